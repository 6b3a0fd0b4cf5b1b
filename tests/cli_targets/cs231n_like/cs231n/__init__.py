"""A CS231n-style assignment package written by us for the checker's tests (never course code)."""
