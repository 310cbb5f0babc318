// Preloaded (--import) into every test file's process by scripts/run-tests.mjs.
//
// Why: a test file's process reports its results to the runner over stdout, a pipe, and pipe
// writes are asynchronous on Linux. With --test-force-exit the file's process exits as soon as its
// tests are done, and whatever report frames are still queued are dropped: the last tests of the
// file vanish from the run while it still counts as passed (nodejs/node#64833; seen here as the
// audit reporter's "lost" tests under CPU load). A blocking stdout has nothing queued at exit.
// The runner process gets it too: its spec report to a piped stdout (CI's log) ends the same way.
process.stdout._handle?.setBlocking?.(true);
