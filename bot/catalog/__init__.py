"""Volunteers keep the FAQ: a versioned, reviewed store of FAQ and procedure records.

``models`` holds the tables, ``service`` the review rules, ``flat`` the CSV/Excel/form format,
``diff`` readable field-level differences, ``hooks`` the callbacks run when an FAQ is published and
``startup`` the first import and the replay of published versions into the live knowledge base.
"""
