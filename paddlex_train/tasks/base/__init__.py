"""Base classes shared by every task's mode runners."""
