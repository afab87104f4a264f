// Command statetemplate-dump inspects, checks, backs up and compacts a
// statetemplate session file: the bbolt file of storage/bolt, whose
// records it decodes with session.DecodeRecord and session.DecodeGeneric
// (never a codec of its own).
//
//	statetemplate-dump stats   [--json] FILE
//	statetemplate-dump list    [--expired] [--type T] [--limit N] [--json] FILE
//	statetemplate-dump show    [--redact] FILE ID
//	statetemplate-dump check   [--grace D] FILE
//	statetemplate-dump purge   --expired [--dry-run] FILE
//	statetemplate-dump compact (-o NEW | --in-place) [--drop-expired] FILE
//	statetemplate-dump export  [--redact] [--live] FILE
//
// Every subcommand has --help. Reading commands open the file read-only
// and never change it; purge and compact --in-place need it to themselves.
//
// A running server holds the file's exclusive lock. The tool then fails
// within two seconds (it waits one for the lock), says the file is in use
// and how to get a consistent snapshot: the renderer's hot Backup
// (statetemplate.Renderer.Backup), typically served by an admin-only HTTP
// handler. The tool reads such a snapshot like any session file.
//
// A damaged file is reported, never a crash or a hang: every read runs
// under a guard that recovers bbolt's panics on damaged pages, turns
// memory faults on the mapped file into panics (debug.SetPanicOnFault),
// stops a walk whose keys go backwards, and gives up on a walk that does
// not finish in a time generous for the file's size. check also runs
// bbolt's own page check (Tx.Check), in a child process — the program
// re-executed with STATETEMPLATE_DUMP_PAGECHECK set — because bbolt
// checks on a goroutine of its own, where a fault cannot be recovered.
//
// Output is stable enough to script: times are UTC RFC 3339, sizes exact
// byte counts, key ids 8 hex digits, text columns fixed-width with the
// variable one last; --json prints arrays of objects (list) or one object
// (stats), export prints JSON lines. Progress lines go to stderr, only
// when it is a terminal or with --progress.
//
// Exit status: 0 ok; 1 findings (check found a problem, a corrupt record
// was skipped, a session id matched nothing); 2 usage error or the file
// cannot be opened (an empty file, a foreign one, a file a server holds);
// 130 check was interrupted by SIGINT or SIGTERM before its verdict — it
// prints how far it got, and is never "ok". Errors go to stderr.
package main
