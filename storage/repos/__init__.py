"""Queries, one module per thing they answer about. Every read and write of an
operator's data takes the owner's id: another operator's row is NotFound."""
