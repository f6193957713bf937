"""Step definitions: thin adapters from the Gherkin words to fixtures/ and compliance/.

A step holds no logic a check or a fixture should own: it finds the inputs, calls
the check, and asserts on the CheckResult with the result's own explanation.
"""
