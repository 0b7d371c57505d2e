"""README.md stays in sync with the config schema and shows the two commands."""
from conftest import REPO
from paddlex_train.config.doc import key_table_markdown


def test_key_table_in_sync():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- keys:start -->\n", 1)[1].split("\n<!-- keys:end -->", 1)[0]
    assert block == key_table_markdown(), "run: python -m paddlex_train.config.doc and paste into README.md"


def test_two_commands_documented():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make demo" in text and "make test" in text
    assert "make test" in (REPO / ".ci" / "run").read_text()
