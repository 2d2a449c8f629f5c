"""Pictures for Jupyter: _repr_svg_ through Graphviz, text without it."""
import shutil

import pytest

import heapd


@pytest.mark.skipif(shutil.which("dot") is None, reason="no Graphviz dot")
def test_proxies_and_sessions_draw_svg(heap: heapd.Heap) -> None:
    a, b = heap.object(), heap.object()
    a.ref = b
    xs = heap.list([a])
    svg = xs._repr_svg_()
    assert svg is not None and "<svg" in svg
    assert f"{a.handle:#x}" in svg and f"{b.handle:#x}" in svg
    assert ">ref<" in svg and "[0]" in svg
    session = heap._repr_svg_()
    assert session is not None and "<svg" in session
    assert heap.session_id in session
    # Labels are lines, not backslash escapes shown as text.
    assert "\\n" not in svg and "\\n" not in session


@pytest.mark.skipif(shutil.which("dot") is None, reason="no Graphviz dot")
def test_a_session_draws_what_its_proxies_hold(heap: heapd.Heap) -> None:
    a, b = heap.object(), heap.object()
    a.ref = b
    b.ref = a
    xs = heap.list([heap.object()])  # its item is held by no proxy
    reached = heap.inspect(xs).items[0]
    gone = heap.object()
    gone_handle = gone.handle
    del b, gone
    heap.flush()
    text = heap.dot()
    assert "2 objects held by live proxies" in text
    for held in (a, xs):
        assert f"session -> n{held.handle} " in text
    # b and the list's item are reached through links, not held.
    assert f"session -> n{reached} " not in text
    assert f"n{xs.handle} -> n{reached} " in text
    assert text.count(" -> n") == 2 + 3  # the session's two; a, b, xs links
    assert f"n{gone_handle}" not in text
    svg = heap._repr_svg_()
    assert svg is not None and f"{reached:#x}" in svg


def test_dot_text_names_every_reached_object(heap: heapd.Heap) -> None:
    a = heap.object()
    a.me = a
    text = a.dot()
    assert text.startswith("digraph heapd {")
    assert text.count(f"n{a.handle} -> n{a.handle}") == 1
    assert "refs 2, 48 B" in text


def test_pictures_are_bounded(heap: heapd.Heap) -> None:
    items = [heap.object() for _ in range(60)]
    xs = heap.list(items)
    text = xs.dot()
    assert text.count("label=\"object") == heapd._graph.MAX_NODES - 1


def test_without_graphviz_jupyter_gets_text(
        heap: heapd.Heap, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    a = heap.object()
    assert a._repr_svg_() is None and heap._repr_svg_() is None
    assert repr(a).startswith("<heapd object")
