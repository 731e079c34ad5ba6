"""Settings: every knob described, moved names still honoured, bad values named."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.config import AnswerSettings, RetrievalSettings, Settings


@pytest.mark.parametrize("model", [RetrievalSettings, AnswerSettings])
def test_every_weight_and_threshold_is_described(model):
    undocumented = [name for name, f in model.model_fields.items() if not f.description]
    assert not undocumented


def test_the_not_found_threshold_keeps_its_old_name(monkeypatch, tmp_path):
    monkeypatch.setenv("PAPERS_ANSWER__MIN_RELEVANCE", "0.5")
    assert Settings(home=tmp_path).retrieval.min_relevance == 0.5
    monkeypatch.setenv("PAPERS_RETRIEVAL__MIN_RELEVANCE", "0.4")
    assert Settings(home=tmp_path).retrieval.min_relevance == 0.4  # the new name wins
    monkeypatch.delenv("PAPERS_ANSWER__MIN_RELEVANCE")
    monkeypatch.delenv("PAPERS_RETRIEVAL__MIN_RELEVANCE")
    assert Settings(home=tmp_path, answer={"min_relevance": 0.2}).retrieval.min_relevance == 0.2


def test_a_bad_value_is_refused_naming_the_field(tmp_path):
    with pytest.raises(ValidationError) as err:
        Settings(home=tmp_path, retrieval={"intent_boost": 3})
    assert "intent_boost" in str(err.value)
    with pytest.raises(ValidationError) as err:
        Settings(home=tmp_path, retrieval={"min_relevance": "high"})
    assert "min_relevance" in str(err.value)
