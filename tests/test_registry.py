import pytest

from medlens.registry import Registry


def test_register_get_and_names():
    r: Registry[int] = Registry("number")
    r.register("two", 2)

    @r.decorator("one")
    def one() -> int:
        return 1

    assert r.get("two") == 2
    assert r.get("one")() == 1
    assert r.names() == ["one", "two"]
    assert "one" in r and "three" not in r
    assert len(r) == 2


def test_unknown_name_lists_valid_names():
    r: Registry[int] = Registry("backbone")
    r.register("a", 1)
    with pytest.raises(ValueError, match=r"unknown backbone 'b'; valid names: a"):
        r.get("b")


def test_duplicate_registration_refused():
    r: Registry[int] = Registry("task")
    r.register("a", 1)
    with pytest.raises(ValueError, match="already registered"):
        r.register("a", 2)
