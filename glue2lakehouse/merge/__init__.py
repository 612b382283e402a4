"""Pure three-way merge with protected regions (no git, no I/O) and the git merge-driver entry."""
