"""Glue Data Quality's Python module (awsgluedq), as far as g2l verify emulates it: see transforms.py."""
