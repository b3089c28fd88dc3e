"""Sources as data: Meta.source, relabel, combine_sources and the melanoma multi-source adapters."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from data_fixtures import write_csv, write_image

from medlens.data import DatasetFormatError, Meta, Sample, SampleSet, create_dataset
from medlens.data.adapters.melanoma_sources import HAM_TO_MELANOMA
from medlens.data.dupgroups import group_duplicates
from medlens.data.sources import (
    combine_sources,
    cross_duplicates,
    dataset_of,
    original_classes,
    relabel,
    source_counts,
    source_of,
    sources_of,
    split_by_source,
    with_source,
)
from medlens.data.splits import make_split

HAM_HEADER = ["lesion_id", "image_id", "dx", "dx_type", "age", "sex", "localization"]
HAM_DX = ["mel", "nv", "bkl", "df", "vasc", "bcc", "akiec"]


def _set(name: str, labels: list[int], classes=("a", "b"), sources=None) -> SampleSet:
    samples = [
        Sample(
            source=f"/x/{name}{i}.jpg",
            labels={"label": y},
            group_id=f"g{i}",
            meta=Meta(source=None if sources is None else sources[i]),
        )
        for i, y in enumerate(labels)
    ]
    return SampleSet(name=name, classes=list(classes), samples=samples)


def test_source_defaults_to_the_set_name_and_meta_overrides_it() -> None:
    s = _set("kaggle", [0, 1, 0], sources=[None, "kaggle/site-2", None])
    assert sources_of(s).tolist() == ["kaggle", "kaggle/site-2", "kaggle"]
    assert source_of(s.samples[1], "x") == "kaggle/site-2"
    assert source_counts(s) == {"kaggle": 2, "kaggle/site-2": 1}
    assert dataset_of("kaggle/site-2") == "kaggle"
    filled = with_source(s)
    assert [x.meta.source for x in filled.samples] == ["kaggle", "kaggle/site-2", "kaggle"]


def test_relabel_maps_drops_and_remembers_the_original_class() -> None:
    s = _set("ham", [0, 1, 2, 1], classes=("mel", "nv", "bcc"))
    out, kept = relabel(s, {"mel": "malignant", "nv": "benign", "bcc": None}, ("benign", "malignant"))
    assert kept == [0, 1, 3]
    assert out.classes == ["benign", "malignant"]
    assert out.labels().tolist() == [1, 0, 0]
    assert original_classes(out).tolist() == ["mel", "nv", "nv"]
    with pytest.raises(ValueError, match="no mapping for class"):
        relabel(s, {"mel": "malignant"}, ("benign", "malignant"))
    with pytest.raises(ValueError, match="not in"):
        relabel(s, {"mel": "cancer", "nv": None, "bcc": None}, ("benign", "malignant"))


def test_combine_sources_keeps_each_split_and_prefixes_groups() -> None:
    a = _set("a", [0, 1, 0, 1])
    b = _set("b", [1, 0, 0])
    both = combine_sources(
        [(a, {"train": [0, 1], "val": [2], "test": [3]}), (b, {"train": [2], "val": [], "test": [0, 1]})],
        name="ab",
    )
    assert len(both) == 7
    assert both.predefined_splits == {"train": [0, 1, 6], "val": [2], "test": [3, 4, 5]}
    assert sources_of(both).tolist() == ["a"] * 4 + ["b"] * 3
    assert both.samples[4].group_id == "b:g0"
    by_src = split_by_source(both, make_split(both))
    assert by_src["b"]["test"] == [4, 5]
    with pytest.raises(DatasetFormatError, match="do not cover"):
        combine_sources([(a, {"train": [0, 1], "test": [3]})], name="x")
    with pytest.raises(DatasetFormatError, match="classes"):
        combine_sources(
            [(a, {"train": [0, 1, 2, 3]}), (_set("c", [0], classes=("x", "y")), {"train": [0]})], "x"
        )


def _fixture_root(root: Path) -> Path:
    seed = 0
    for cls in ("benign", "malignant"):
        for i in range(12):
            write_image(root / "melanoma_10000" / "train" / cls / f"{cls}_{i}.jpg", seed)
            seed += 1
    rows = []
    for i in range(70):  # 35 lesions with two photos each, every dx present
        dx = HAM_DX[(i // 2) % len(HAM_DX)]
        rows.append([f"HAM_{i // 2:07d}", f"ISIC_{i:07d}", dx, "histo", "50", "male", "back"])
        write_image(root / "ham10000_lowres" / "images" / f"ISIC_{i:07d}.jpg", 1000 + i)
    write_csv(root / "ham10000_lowres" / "HAM10000_metadata.csv", HAM_HEADER, rows)
    return root


def test_melanoma_sources_adapter_on_a_fixture(tmp_path: Path) -> None:
    root = _fixture_root(tmp_path)
    both = create_dataset("melanoma-sources", root)
    assert both.classes == ["benign", "malignant"]
    assert source_counts(both) == {"ham10000": 50, "melanoma_10000": 24}  # bcc + akiec (20) left out
    orig = Counter(original_classes(both).tolist())
    assert orig["bcc"] == orig["akiec"] == 0 and orig["mel"] == 10
    assert all(
        HAM_TO_MELANOMA[c] == both.classes[s.label]
        for c, s in zip(original_classes(both), both.samples, strict=True)
        if c in HAM_TO_MELANOMA
    )
    splits = both.predefined_splits
    assert splits is not None
    assert sorted(i for k in ("train", "val", "test") for i in splits[k]) == list(range(len(both)))
    # no HAM lesion straddles splits
    split_of = {i: k for k, idx in splits.items() for i in idx}
    lesions: dict[str, set[str]] = {}
    for i, s in enumerate(both.samples):
        lesions.setdefault(s.group_id, set()).add(split_of[i])
    assert all(len(v) == 1 for v in lesions.values())
    # the Kaggle part is split exactly as `imagefolder --split grouped-dedup` splits it alone
    kaggle = create_dataset("imagefolder", root / "melanoma_10000" / "train")
    alone = make_split(group_duplicates(kaggle), (0.7, 0.15, 0.15), seed=0)
    for k in ("train", "val", "test"):
        assert [i for i in splits[k] if i < 24] == alone.splits[k]


def test_kaggle_copies_of_ham_photos_stay_only_in_ham(tmp_path: Path) -> None:
    root = _fixture_root(tmp_path)
    # a re-encoded copy of HAM photo 0 (a melanoma) in the Kaggle malignant folder, as the real folder has
    copy = root / "melanoma_10000" / "train" / "malignant" / "malignant_copy.jpg"
    write_image(copy, 1000)
    kaggle = create_dataset("imagefolder", root / "melanoma_10000" / "train")
    ham = create_dataset("ham10000", root / "ham10000_lowres")
    pairs = cross_duplicates(kaggle, ham)
    assert [(kaggle.samples[i].source, ham.samples[j].source) for i, j in pairs] == [
        (str(copy), str(root / "ham10000_lowres" / "images" / "ISIC_0000000.jpg"))
    ]
    both = create_dataset("melanoma-sources", root)
    assert str(copy) not in {s.source for s in both.samples}
    assert source_counts(both)["melanoma_10000"] == 24
    ham_only = create_dataset("melanoma-ham10000", root)
    assert set(sources_of(ham_only).tolist()) == {"ham10000"} and len(ham_only) == 50
    assert len(create_dataset("melanoma-kaggle", root)) == 24


def test_melanoma_sources_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetFormatError, match="folder not found"):
        create_dataset("melanoma-sources", tmp_path)


@pytest.mark.slow
def test_melanoma_sources_on_real_data(shared_data: Path) -> None:
    both = create_dataset("melanoma-sources", shared_data)
    # the Kaggle folder's 1,113 copies of HAM10000 melanomas are left to HAM10000
    assert source_counts(both) == {"ham10000": 9174, "melanoma_10000": 8492}
    splits = both.predefined_splits
    assert splits is not None
    src = sources_of(both)
    assert int(np.sum(src[splits["test"]] == "melanoma_10000")) == 1275  # the Kaggle runs' 1441 minus copies
    ham_test = [i for i in splits["test"] if src[i] == "ham10000"]
    ham_train = {both.samples[i].group_id for i in splits["train"] if src[i] == "ham10000"}
    assert ham_test and not ham_train & {both.samples[i].group_id for i in ham_test}


def test_unseen_ham_photos_are_test_copies_of_melanomas_and_benign_test_lesions(tmp_path: Path) -> None:
    from medlens.data.adapters.melanoma_sources import ham_copy_splits, unseen_ham_photos

    root = _fixture_root(tmp_path)
    mel_rows = [i for i in range(70) if HAM_DX[(i // 2) % len(HAM_DX)] == "mel"]
    for i in mel_rows:  # the Kaggle folder holds a copy of every HAM10000 melanoma, as the real one does
        write_image(root / "melanoma_10000" / "train" / "malignant" / f"copy_{i}.jpg", 1000 + i)
    copy_split = ham_copy_splits(root)
    assert len(copy_split) == len(mel_rows)
    ham, idx, n_mel = unseen_ham_photos(root)
    orig = original_classes(ham)
    assert n_mel == sum(v == "test" for v in copy_split.values())
    assert all(orig[i] == "mel" and copy_split[ham.samples[i].source] == "test" for i in idx[:n_mel])
    test = ham.predefined_splits["test"]
    assert idx[n_mel:] == sorted(i for i in test if orig[i] != "mel") and idx[n_mel:]
    # the photos keep HAM10000's metadata (what subgroup reports group by)
    assert {(ham.samples[i].meta.sex, ham.samples[i].meta.site, ham.samples[i].meta.age) for i in idx} == {
        ("male", "back", 50.0)
    }
