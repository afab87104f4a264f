// core gives the plus extension the client's functions (main.js puts them
// on window.statetemplate._ before the extension can load): one copy of
// the client's state, whichever bundle calls.
export const core = window.statetemplate._;
