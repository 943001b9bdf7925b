"""The shipped data: one reader per source file, and seeding the store from them."""
