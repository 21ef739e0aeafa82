"""Languages: the reader's language and time zone, titles in it, and refusals put into words."""
