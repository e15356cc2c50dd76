"""The duplicate check: is the customer being typed registered already, under a name typed another way?

``keys`` reduces names, addresses and districts to what identifies them (pure), ``scoring`` says how alike
two names are (pure), ``lookup`` finds and judges the candidates in the database as a user may see them.
Callers use ``lookup.find_duplicates`` (one record) and ``lookup.find_duplicates_for_rows`` (a batch).
"""
