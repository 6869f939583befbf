from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import Config, load_config
from pipelines.errors import ConfigError

CONFIGS = sorted((Path(__file__).resolve().parent.parent / "configs").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_every_shipped_config_validates(path: Path) -> None:
    assert isinstance(load_config(path), Config)


def test_shipped_configs_exist() -> None:
    assert {p.name for p in CONFIGS} >= {"default.yaml", "tiny-local.yaml"}


def test_default_yaml_spells_out_the_embedded_defaults() -> None:
    from flows.settings import FlowConfig, flow_settings

    shipped = load_config(Path("configs/default.yaml"))
    assert shipped.model_copy(update={"flow": {}}) == Config()
    assert shipped.fingerprint() == Config().fingerprint()
    assert flow_settings(shipped) == flow_settings(Config()) == FlowConfig()


def test_flow_settings_are_validated_by_the_flow_layer() -> None:
    from flows.settings import flow_settings

    with pytest.raises(ConfigError, match=r"flow\.task_runner"):
        flow_settings(load_config(None, {"flow": {"task_runner": "cluster"}}))
    with pytest.raises(ConfigError, match=r"flow\.max_worker"):
        flow_settings(load_config(None, {"flow": {"max_worker": 3}}))


def test_default_models_cover_the_required_languages() -> None:
    models = Config().translation.models
    for language in ("fr", "de", "es", "it", "pt", "ru", "uk", "zh", "ja", "ar", "nl", "pl", "tr"):
        assert f"{language}-en" in models, language
    assert models["pt-en"].model == "Helsinki-NLP/opus-mt-ROMANCE-en"
    assert Config().translation.fallback is not None


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return path


def test_unknown_key_names_file_and_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "translation:\n  beams: 4\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message
    assert "translation.beams" in message
    assert "unknown key" in message


def test_bad_value_names_key_value_and_allowed(tmp_path: Path) -> None:
    path = _write(tmp_path, "models:\n  device: tpu\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "models.device" in message
    assert "'tpu'" in message
    assert "'auto', 'cpu' or 'cuda'" in message


def test_bad_language_pair_and_code(tmp_path: Path) -> None:
    path = _write(tmp_path, "target_language: English\ntranslation:\n  models:\n    french: x/y\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "target_language" in message and "'English'" in message
    assert "'french' is not a language pair" in message


def test_seq2seq_summary_needs_a_model(tmp_path: Path) -> None:
    path = _write(tmp_path, "summary:\n  short:\n    method: seq2seq\n    model: null\n")
    with pytest.raises(ConfigError, match=r"summary\.short"):
        load_config(path)


def test_bad_boilerplate_regex(tmp_path: Path) -> None:
    path = _write(tmp_path, "ingest:\n  boilerplate:\n    gazette: ['(unclosed']\n")
    with pytest.raises(ConfigError, match="not a regex"):
        load_config(path)


def test_missing_file_and_invalid_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(_write(tmp_path, "a: [unclosed\n"))
    with pytest.raises(ConfigError, match="mapping"):
        load_config(_write(tmp_path, "- just\n- a list\n"))


def test_overrides_apply_dotted_keys() -> None:
    config = load_config(None, {"store.url": "s3://bucket/prefix", "target_language": "fr"})
    assert config.store.url == "s3://bucket/prefix"
    assert config.target_language == "fr"


def test_fingerprint_changes_with_config() -> None:
    assert Config().fingerprint() == Config().fingerprint()
    assert Config().fingerprint() != load_config(None, {"batch_size": 3}).fingerprint()


def test_per_language_summary_override() -> None:
    config = load_config(None, {"summary.languages": {"de": {"short": {"method": "lead"}}}})
    assert config.summary.spec_for("short", "de").method == "lead"
    assert config.summary.spec_for("short", "en").method == "seq2seq"
    assert config.summary.spec_for("long", "de").method == "seq2seq"


def test_a_config_dumped_by_the_code_loads_again(tmp_path: Path) -> None:
    """Every field, aliased ones (``newsletter.footer.copy``) included, survives a dump and a reload."""
    import yaml

    config = load_config(None, {"newsletter.footer.copy": "You subscribed at news.example"})
    dumped = tmp_path / "dumped.yaml"
    dumped.write_text(yaml.safe_dump(config.model_dump(mode="json"), allow_unicode=True))
    assert load_config(dumped, {}) == config
