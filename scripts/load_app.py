"""Local load test of a running Streamlit app: N concurrent sessions over its WebSocket.

Each session connects like a browser (subprotocol "streamlit"), asks for a search through the
URL query string, and waits for the script run to finish; the time from request to
`script_finished` is one response time. Loopback only, bounded in count and time.

Run: .venv/bin/python scripts/load_app.py --url http://127.0.0.1:8501 --sessions 24 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from urllib.parse import quote, urlparse

QUERIES = ["3D medical segmentation", "plot my loss curves", "三维医学图像分割", "graph neural networks",
           "hyperparameter search", "text classification datasets", "object detection models",
           "differential privacy", "语义分割模型", "audio processing"]


async def one_session(url: str, i: int, rounds: int, timeout: float) -> list[float]:
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    parsed = urlparse(url)
    if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the load test only targets loopback addresses")
    ws_url = f"ws://{parsed.netloc}/_stcore/stream"
    times: list[float] = []
    async with websockets.connect(ws_url, subprotocols=["streamlit"], origin=url,
                                  max_size=None, open_timeout=timeout) as ws:
        for r in range(rounds):
            query = QUERIES[(i + r) % len(QUERIES)]
            msg = BackMsg()
            msg.rerun_script.query_string = f"q={quote(query)}"
            msg.rerun_script.page_script_hash = ""
            start = time.perf_counter()
            await ws.send(msg.SerializeToString())
            saw_cards = False
            while True:
                raw = await asyncio.wait_for(ws.recv(), timeout)
                if b"Why:" in raw or "推荐理由".encode() in raw:  # a result card went out (cheap check)
                    saw_cards = True
                    continue
                fwd = ForwardMsg()
                fwd.ParseFromString(raw)
                kind = fwd.WhichOneof("type")
                if kind == "script_finished":
                    if fwd.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                        raise RuntimeError(f"session {i}: script ended with {fwd.script_finished}")
                    break
            if not saw_cards:
                raise RuntimeError(f"session {i}: no result cards for {query!r}")
            times.append(time.perf_counter() - start)
    return times


async def run(url: str, sessions: int, rounds: int, timeout: float) -> dict:
    start = time.perf_counter()
    results = await asyncio.gather(*(one_session(url, i, rounds, timeout) for i in range(sessions)),
                                   return_exceptions=True)
    errors = [repr(r) for r in results if isinstance(r, BaseException)]
    times = sorted(t for r in results if isinstance(r, list) for t in r)
    pick = (lambda p: round(times[min(len(times) - 1, int(p * len(times)))] * 1000, 1)) if times else None
    return {"sessions": sessions, "rounds": rounds, "requests": len(times), "errors": errors,
            "p50_ms": pick(0.5) if pick else None, "p95_ms": pick(0.95) if pick else None,
            "mean_ms": round(statistics.fmean(times) * 1000, 1) if times else None,
            "wall_s": round(time.perf_counter() - start, 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:8501")
    ap.add_argument("--sessions", type=int, default=24)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    print(json.dumps(asyncio.run(run(args.url, args.sessions, args.rounds, args.timeout)), indent=2,
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
