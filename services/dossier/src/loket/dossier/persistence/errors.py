"""What the database refuses, in the use cases' words."""

from sqlalchemy.exc import IntegrityError

# A unique key that another transaction took first (an ELK number, a board's code): the work is rolled
# back, and the use case tries again or answers that it exists already.
Duplicate = IntegrityError
