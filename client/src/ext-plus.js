// The plus extension's entry: what few pages need, loaded by the client
// when a page uses it (see plus.js). It fills the core's plus object and
// starts listening.
import { core } from "./core.js";
import { hook, scan } from "./hooks.js";
import { go, listenNav } from "./nav.js";
import { listenChanges } from "./changes.js";
import { errors } from "./errors.js";
import { flash } from "./flash.js";
import { upload } from "./upload.js";

Object.assign(core.plus, { hook, scan, go, errors, flash, upload });
listenNav();
listenChanges();
scan([]);
