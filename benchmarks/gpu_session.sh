#!/usr/bin/env bash
# The GPU machine's run, in two parts that each fit one 10-minute device call:
#   bash benchmarks/gpu_session.sh tests OUT   # GPU tests + `kernelhub bench` over the GPU backends (report)
#   bash benchmarks/gpu_session.sh perf OUT    # ceilings, harness vs do_bench, large-shape checks
#   bash benchmarks/gpu_session.sh timing OUT  # GPU tests, harness vs do_bench, ncu counters of two starters
# From a plain checkout: the repository and backends/ go on PYTHONPATH; packages missing there
# (pydantic, pluggy, typer, rich, pyopencl, ...) come from wheels installed into /tmp/site.
set -uo pipefail
part=${1:?tests or perf}; out=${2:?output folder}
mkdir -p "$out"
export PYTHONPATH=/tmp/site:$PWD:$PWD/backends${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
export KERNELHUB_PLUGINS=tasks,kernelhub_triton,kernelhub_cuda,kernelhub_jax,kernelhub_opencl KERNELHUB_CACHE=/tmp/khc
{ nvidia-smi -L; date -u; python3 -c 'import torch, triton, jax; print("torch", torch.__version__, "triton", triton.__version__, "jax", jax.__version__)'; } > "$out/device.txt" 2>&1
case "$part" in
  tests)
    python3 -m pytest -m gpu tests/test_gpu_nvidia.py -q -p no:cacheprovider 2>&1 | tee "$out/gpu_tests.log" | tail -5
    python3 -m kernelhub.cli bench -b triton -b cuda -b jax -b opencl --out /tmp/gpu-bench > "$out/bench.log" 2>&1
    echo "bench exit $?"; tail -45 "$out/bench.log"
    tar czf "$out/bench.tgz" -C /tmp gpu-bench ;;
  perf)
    python3 benchmarks/gpu_nvidia.py --large --no-starters --json "$out/gpu_nvidia_perf.json" 2>&1 | tee "$out/gpu_nvidia_perf.log" | tail -40 ;;
  timing)
    { command -v ncu || ls /usr/local/cuda/bin/ncu; ncu --version | tail -1; } >> "$out/device.txt" 2>&1
    python3 -m pytest -m gpu tests/test_gpu_nvidia.py -q -p no:cacheprovider 2>&1 | tee "$out/gpu_tests.log" | tail -8
    python3 benchmarks/gpu_nvidia.py --do-bench-only --json "$out/do_bench.json" 2>&1 | tee "$out/do_bench.log" | tail -14
    for b in triton cuda; do ext=$([ $b = cuda ] && echo cu || echo py)
      python3 -m kernelhub.cli eval tasks/starters/$b/softmax.$ext -t softmax -b $b --counters 2>&1 | tee "$out/counters_$b.txt" | tail -3
    done ;;
  *) echo "unknown part $part" >&2; exit 2 ;;
esac
