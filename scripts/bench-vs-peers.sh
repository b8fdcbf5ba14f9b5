#!/usr/bin/env bash
# kyso against its peers and the hardware, all measured in ONE run (ratios taken within it).
#
#   scripts/bench-vs-peers.sh [OUT_DIR]            (default target/bench-vs-peers)
#
# Env: SIZES   sizes of the signed documents      (default "20k 200k 20m")
#      COUNT_<size> documents per size             (default 1000 / 300 / 20)
#      JOBS    worker threads for the batch figure (default: nproc)
#      ROUNDS  measured runs per figure, median    (default 3)
#      PY      python with pyHanko                 (default .peers/venv/bin/python, else
#                                                   /work/main/.peers/venv/bin/python)
#      PEERS   the peer scripts                    (default ../shared/peers)
#      RSS=1   also measure peak RSS: a 200 MB signed PDF and a batch of 10,000 files
#      SIGN_DIR where batch signing writes (default OUT_DIR: put OUT_DIR on a tmpfs to save
#              disk, and SIGN_DIR on the disk to measure fsync'd outputs)
#
# Needs: openssl, pdfsig + certutil (poppler-utils, libnss3-tools), hyperfine, GNU time,
# pyHanko in a venv (scripts/install-test-peers.sh installs it under .peers/).
# Writes OUT_DIR/results.md (the figures and ratios) and the raw outputs beside it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/target/bench-vs-peers}
SIGN_DIR=${SIGN_DIR:-$OUT}
SIZES=${SIZES:-"20k 200k 20m"}
JOBS=${JOBS:-$(nproc)}
ROUNDS=${ROUNDS:-3}
PEERS=${PEERS:-$ROOT/../shared/peers}
if [[ -z ${PY:-} ]]; then
  PY=$ROOT/.peers/venv/bin/python
  [[ -x $PY ]] || PY=/work/main/.peers/venv/bin/python
fi
declare -A COUNT=([20k]=${COUNT_20k:-1000} [200k]=${COUNT_200k:-300} [2m]=${COUNT_2m:-60} [20m]=${COUNT_20m:-20})
declare -A NPY=([20k]=200 [200k]=200 [2m]=100 [20m]=30)

mkdir -p "$OUT"
cd "$ROOT"
cargo build --release --quiet
KYSO=$ROOT/target/release/kyso
RES=$OUT/results.md
log() { echo "$@" | tee -a "$RES"; }
: > "$RES"
log "# kyso vs peers — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
log ""
log "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, sha_ni: $(grep -q sha_ni /proc/cpuinfo && echo yes || echo no); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
log "openssl: $(openssl version); pyHanko: $($PY -c 'import importlib.metadata as m; print(m.version("pyhanko"))' 2>/dev/null || echo '?'); pdfsig: $(pdfsig -v 2>&1 | head -1)"
log ""

# 1. The hardware: openssl speed (CPU time; one run of 3 s each).
openssl speed -seconds 3 -evp sha256 2>/dev/null | grep -E '^sha256 ' > "$OUT/speed-sha.txt"
openssl speed -seconds 3 rsa2048 ecdsap256 2>/dev/null > "$OUT/speed-pk.txt"
SHA=$(awk '{v=$NF; sub(/k$/,"",v); print v*1000}' "$OUT/speed-sha.txt")          # bytes/s, 16 KiB blocks
read -r RSA_SIGN RSA_VERIFY < <(awk '/^rsa 2048 bits/ {print $(NF-1), $NF}' "$OUT/speed-pk.txt")
read -r EC_SIGN EC_VERIFY < <(awk '/256 bits ecdsa/ {print $(NF-1), $NF}' "$OUT/speed-pk.txt")
log "openssl speed: SHA-256 $(awk -v s=$SHA 'BEGIN{printf "%.0f", s/1e6}') MB/s; RSA-2048 sign $RSA_SIGN/s, verify $RSA_VERIFY/s; P-256 sign $EC_SIGN/s, verify $EC_VERIFY/s"
log ""
log "Physical limit per core = 1 / (signed bytes / SHA-256 rate + one RSA-2048 verify) (chains cached)."
log ""
log "| size | docs | kyso 1 job docs/s (per CPU s) | limit/core | % of limit | kyso $JOBS jobs docs/s | scaling 1→$JOBS | pyHanko docs/s (per CPU s) | kyso $JOBS jobs ÷ pyHanko | kyso/core ÷ pyHanko/core |"
log "|---|---|---|---|---|---|---|---|---|---|"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b>0) printf "%.2f", a/b; else print "n/a" }'; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" | head -1; }

for s in $SIZES; do
  n=${COUNT[$s]}
  d=$OUT/corpus-$s
  "$KYSO" bench --size "$s" --count "$n" --jobs 1 --rounds "$ROUNDS" --dir "$d" > "$OUT/kyso-$s-j1.txt"
  "$KYSO" bench --size "$s" --count "$n" --jobs "$JOBS" --rounds "$ROUNDS" --dir "$d" > "$OUT/kyso-$s-j$JOBS.txt"
  k1=$(field docs_per_s < "$OUT/kyso-$s-j1.txt")
  k1c=$(field docs_per_cpu_s < "$OUT/kyso-$s-j1.txt")
  kn=$(field docs_per_s < "$OUT/kyso-$s-j$JOBS.txt")
  bytes=$(field bytes_per_doc < "$OUT/kyso-$s-j1.txt")
  "$PY" "$PEERS/bench_pyhanko_validate.py" --trust "$d/signed/root.pem" --n "${NPY[$s]}" "$d"/signed/doc-0000*.pdf > "$OUT/pyhanko-$s.txt"
  pw=$(field docs_per_s_wall < "$OUT/pyhanko-$s.txt")
  pc=$(field docs_per_s_cpu < "$OUT/pyhanko-$s.txt")
  limit=$(awk -v b="$bytes" -v sha="$SHA" -v v="$RSA_VERIFY" 'BEGIN{printf "%.0f", 1/(b/sha + 1/v)}')
  log "| $s | $n × $bytes B | $k1 ($k1c) | $limit | $(awk -v a="$k1c" -v l="$limit" 'BEGIN{printf "%.0f %%", 100*a/l}') | $kn | $(ratio "$kn" "$k1")× | $pw ($pc) | $(ratio "$kn" "$pw")× | $(ratio "$k1c" "$pc")× |"
done
log ""

# 2. One file, one process: kyso verify vs pdfsig (hyperfine, wall, median).
first=$(echo $SIZES | cut -d' ' -f1)
d=$OUT/corpus-$first/signed
rm -rf "$OUT/nssdb"; mkdir -p "$OUT/nssdb"
certutil -N -d "sql:$OUT/nssdb" --empty-password
certutil -A -d "sql:$OUT/nssdb" -n root -t "CT,C,C" -a -i "$d/root.pem"
f=$d/doc-00000.pdf
"$KYSO" verify "$f" --trust "$d/root.pem" > /dev/null
hyperfine -N -w 5 -r 50 --export-json "$OUT/one-file.json" \
  -n pdfsig "pdfsig -nssdir sql:$OUT/nssdb $f" \
  -n kyso "$KYSO verify $f --trust $d/root.pem" > "$OUT/one-file.txt"
read -r PDFSIG_MS KYSO_MS < <(python3 -c "
import json,sys; r={x['command']:x['median'] for x in json.load(open('$OUT/one-file.json'))['results']}
print(r['pdfsig']*1e3, r['kyso']*1e3)")
log "One file ($first), one process, wall median: pdfsig $(printf %.2f "$PDFSIG_MS") ms, kyso verify $(printf %.2f "$KYSO_MS") ms → kyso $(ratio "$PDFSIG_MS" "$KYSO_MS")× faster"
log ""

# 3. Batch sign of 20 KB documents vs the RSA-2048 signing rate (openssl speed, CPU time).
mkdir -p "$SIGN_DIR"
"$KYSO" bench --size 20k --count 500 --jobs 1 --rounds "$ROUNDS" --dir "$SIGN_DIR/corpus-sign" --sign > "$OUT/kyso-sign-j1.txt"
"$KYSO" bench --size 20k --count 500 --jobs "$JOBS" --rounds "$ROUNDS" --dir "$SIGN_DIR/corpus-sign" --sign > "$OUT/kyso-sign-j$JOBS.txt"
s1=$(grep op=sign "$OUT/kyso-sign-j1.txt" | field docs_per_s)
s1c=$(grep op=sign "$OUT/kyso-sign-j1.txt" | field docs_per_cpu_s)
sn=$(grep op=sign "$OUT/kyso-sign-j$JOBS.txt" | field docs_per_s)
log "Batch sign, 20 KB, RSA-2048, outputs fsync'd on $(df -T "$SIGN_DIR" | awk 'NR==2{print $2}'): 1 job $s1 docs/s ($s1c per CPU s), $JOBS jobs $sn docs/s; openssl speed RSA-2048 sign $RSA_SIGN/s → $(awk -v a="$s1c" -v b="$RSA_SIGN" 'BEGIN{printf "%.0f %%", 100*a/b}') of the signing rate per core (1 job, CPU), $(awk -v a="$sn" -v b="$RSA_SIGN" -v j="$JOBS" 'BEGIN{printf "%.0f %%", 100*a/b/j}') with $JOBS jobs (wall)"
if [[ -d /dev/shm ]]; then
  "$KYSO" bench --size 20k --count 500 --jobs 1 --rounds "$ROUNDS" --dir /dev/shm/kyso-bench-sign --sign > "$OUT/kyso-sign-tmpfs.txt"
  t1c=$(grep op=sign "$OUT/kyso-sign-tmpfs.txt" | field docs_per_cpu_s)
  rm -rf /dev/shm/kyso-bench-sign
  log "  (same on tmpfs, no disk: $t1c docs per CPU s → $(awk -v a="$t1c" -v b="$RSA_SIGN" 'BEGIN{printf "%.0f %%", 100*a/b}') of the signing rate)"
fi
log ""

# 4. Peak RSS (GNU time): a 200 MB signed PDF, and a batch of 10,000 files.
if [[ -n ${RSS:-} ]]; then
  big=$OUT/corpus-200m
  [[ -f $big/signed/doc-00000.pdf ]] || "$KYSO" bench --size 200m --count 1 --rounds 1 --dir "$big" > /dev/null
  /usr/bin/time -v "$KYSO" verify "$big/signed/doc-00000.pdf" --trust "$big/signed/root.pem" > /dev/null 2> "$OUT/rss-200m.txt"
  r1=$(awk -F: '/Maximum resident/ {print $2/1024}' "$OUT/rss-200m.txt")
  many=$OUT/corpus-10000
  [[ $(ls "$many/signed" 2>/dev/null | grep -c pdf) -eq 10000 ]] || "$KYSO" bench --size 20k --count 10000 --rounds 1 --dir "$many" > /dev/null
  /usr/bin/time -v "$KYSO" verify "$many/signed" --trust "$many/signed/root.pem" --report /dev/null > /dev/null 2> "$OUT/rss-10000.txt"
  r2=$(awk -F: '/Maximum resident/ {print $2/1024}' "$OUT/rss-10000.txt")
  log "Peak RSS: verifying a $(du -m "$big/signed/doc-00000.pdf" | cut -f1) MB signed PDF $(printf %.1f "$r1") MiB; batch verify of 10,000 files $(printf %.1f "$r2") MiB"
fi
log ""
log "Load after: $(cut -d' ' -f1-3 /proc/loadavg)"
