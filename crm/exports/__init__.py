"""Spreadsheet exports: immediate for a few thousand rows, written by a worker beyond ("My exports")."""
