"""Disclosure control: the rule, suppression, disclosed values, the register of shown cells, the checker.

`suppression` applies the rule (primary and secondary suppression); `disclosed` gives every
output its values after it; `register` notes what each output shows; `checker` tests all of a
run's outputs against the complete stored data, independently of `suppression`'s code.
`tidy` is the one way to get values for own analyses: a long table, published or as stored.
`citations` says what a placeholder in a staff text stands for; `textcheck` checks the numbers
typed in those texts (read by `typed_numbers`, placed by `number_places`, compared by
`known_numbers`, worded by `text_findings`).

May import: helpers.core, helpers.indicators.
"""
