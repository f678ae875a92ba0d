#!/usr/bin/env bash
# The last place of a slot, raced by many citizens at once, against a running local server
# (`cargo run -p wangban-local`). Registers citizens, books a slot of the food window up to its
# last place, then fires N concurrent bookings of that place: exactly one gets 201, the others
# 409 slot_full, and the slot shows 0 places left. Needs curl and jq.
#
#   scripts/booking-race.sh [N]        (N concurrent clients, default 20)
#   API=http://host:port/api/v1 scripts/booking-race.sh
set -euo pipefail

API=${API:-http://127.0.0.1:8080/api/v1}
N=${1:-20}
WINDOW=gy-amr-food
ITEM=GY-SCJG-001
PASSWORD=Guizhou2026ok
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# A resident ID number with its GB 11643 check character: 520102 (贵阳市南明区), a birth date, a
# sequence number.
id_number() {
  local body=$1 s=0 i
  local -a w=(7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2) c=(1 0 X 9 8 7 6 5 4 3 2)
  for i in $(seq 0 16); do s=$((s + ${body:i:1} * w[i])); done
  echo "$body${c[s % 11]}"
}

# Registers (or, if already registered, just logs in) citizen number $1 of this run; prints a token.
citizen() {
  local n=$1 id phone
  id=$(id_number "520102$((1960 + RUN % 40))$(printf '%02d%02d%03d' $((1 + RUN / 40 % 12)) $((1 + RUN / 480 % 28)) "$n")")
  phone="139$(printf '%04d%04d' $((RUN / 13440 % 10000)) "$n")"
  curl -s -o /dev/null "$API/auth/register" -H 'content-type: application/json' \
    -d "{\"kind\":\"individual\",\"name\":\"市民$n\",\"idNumber\":\"$id\",\"phone\":\"$phone\",\"password\":\"$PASSWORD\"}"
  curl -s "$API/auth/login" -H 'content-type: application/json' \
    -d "{\"account\":\"$id\",\"password\":\"$PASSWORD\"}" | jq -r .accessToken
}

RUN=$((RANDOM * 32768 + RANDOM))
# A slot with places left, after today if there is one (today's may close meanwhile).
SLOT=$(curl -s "$API/slots?window=$WINDOW&item=$ITEM" \
  | jq -c '.today as $t | [.items[] | select(.remaining > 0)] | ([.[] | select(.date != $t)][0] // .[0])')
if [ -z "$SLOT" ] || [ "$SLOT" = null ]; then
  echo "no bookable slot at $WINDOW" >&2
  exit 1
fi
DATE=$(jq -r .date <<<"$SLOT")
START=$(jq -r .start <<<"$SLOT")
LEFT=$(jq -r .remaining <<<"$SLOT")
BODY="{\"windowId\":\"$WINDOW\",\"itemCode\":\"$ITEM\",\"date\":\"$DATE\",\"start\":\"$START\"}"
echo "slot $DATE $START at $WINDOW: $LEFT of $(jq -r .capacity <<<"$SLOT") places left"

echo "registering $((LEFT - 1 + N)) citizens ..."
for n in $(seq 1 $((LEFT - 1 + N))); do citizen "$n" >"$WORK/token-$n"; done

# Everyone but the last place.
for n in $(seq 1 $((LEFT - 1))); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$API/appointments" -H "Authorization: Bearer $(cat "$WORK/token-$n")" \
    -H 'content-type: application/json' -d "$BODY")
  echo "  citizen $n books one of the first places: $code"
done

echo "$N citizens race for the last place ..."
for n in $(seq "$LEFT" $((LEFT - 1 + N))); do
  curl -s -o "$WORK/answer-$n" -w '%{http_code}\n' "$API/appointments" -H "Authorization: Bearer $(cat "$WORK/token-$n")" \
    -H 'content-type: application/json' -d "$BODY" >"$WORK/status-$n" &
done
wait

WON=$(cat "$WORK"/status-* | grep -c '^201$' || true)
FULL=$(grep -l '"slot_full"' "$WORK"/answer-* 2>/dev/null | wc -l)
NOW_LEFT=$(curl -s "$API/slots?window=$WINDOW&date=$DATE" | jq --arg s "$START" '.items[] | select(.start == $s) | .remaining')
echo "201 created: $WON   409 slot_full: $FULL   places left now: $NOW_LEFT"
for f in "$WORK"/answer-*; do
  if jq -e '.appointmentNo' "$f" >/dev/null 2>&1; then jq -r '"winner: " + .appointmentNo' "$f"; fi
done
[ "$WON" -eq 1 ] && [ "$FULL" -eq $((N - 1)) ] && [ "$NOW_LEFT" = 0 ]
