//! Tests of the pages: their HTML structure, escaping, and what each shows.
