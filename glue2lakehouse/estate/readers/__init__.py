"""One reader per input form; each fills an ``Estate`` from one file's text."""
