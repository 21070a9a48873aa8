"""How results read: the plain, one-language view of a result that pages and PDFs both show."""
