"""`make chaos`: the reliability suite. Faults against the real stack (the sandbox over HTTPS, `accountsync`
processes, SQLite and PostgreSQL), one PASS/FAIL table. A test tool: the product never imports it."""
