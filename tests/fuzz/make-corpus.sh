#!/bin/sh
# make-corpus.sh - (re)make the fuzz target's key and seed corpus with the
# openssl CLI.  Run by hand; the results are committed:
#   tests/fuzz/keys/<THUMBPRINT>.crt, .prv   a TEST-ONLY RSA 1024 key pair
#       (small so that each fuzz input that reaches the RSA step is cheap),
#       written as waagent writes its files (a "Bag Attributes" preamble)
#   tests/fuzz/corpus/cms/*.der                envelopes to it, every form
# Usage: sh tests/fuzz/make-corpus.sh   (from the source tree's top)
set -eu
cd "$(dirname "$0")"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

rm -f keys/*.crt keys/*.prv corpus/cms/*
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$w/k.pem" 2>/dev/null
openssl req -x509 -new -key "$w/k.pem" -subj "/CN=docker-extension fuzz (test only)" \
	-days 36500 -out "$w/c.pem"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$w/k2.pem" 2>/dev/null
openssl req -x509 -new -key "$w/k2.pem" -subj "/CN=someone else" -days 36500 -out "$w/c2.pem"
openssl pkcs12 -export -in "$w/c.pem" -inkey "$w/k.pem" -name fuzz -passout pass: -out "$w/p.pfx"
openssl pkcs12 -nodes -passin pass: -in "$w/p.pfx" -out "$w/p.pem" 2>/dev/null
thumb=$(openssl x509 -in "$w/c.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr a-f A-F)
awk -v crt="keys/$thumb.crt" -v prv="keys/$thumb.prv" '
	{ block = block $0 "\n" }
	/^-----END / {
		if (block ~ /BEGIN CERTIFICATE/) printf "%s", block > crt
		else printf "%s", block > prv
		block = ""
	}' "$w/p.pem"

printf '{"environment":{"A":"caf\303\251"},"login":{"password":"x"}}' > "$w/p.json"
head -c 1500 /dev/zero | tr '\0' 'x' | sed 's/^/{"k":"/; s/$/"}/' > "$w/big.json"
e() { name=$1; shift; openssl cms -encrypt -binary -outform DER -out "corpus/cms/$name.der" "$@"; }
e des3-pkcs1-issuer -in "$w/p.json" -des3 "$w/c.pem"
e aes128-oaep-keyid -in "$w/p.json" -aes128 -keyid -recip "$w/c.pem" -keyopt rsa_padding_mode:oaep
e aes192-pkcs1-keyid -in "$w/p.json" -aes192 -keyid "$w/c.pem"
e aes256-oaep256-issuer -in "$w/p.json" -aes256 -recip "$w/c.pem" \
	-keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256 -keyopt rsa_oaep_label:0102
e multi -in "$w/p.json" -aes256 "$w/c2.pem" "$w/c.pem"
e camellia -in "$w/p.json" -camellia128 "$w/c.pem"
e gcm -in "$w/p.json" -aes-256-gcm "$w/c.pem"
openssl cms -encrypt -binary -stream -outform DER -aes256 -in "$w/big.json" \
	-out corpus/cms/ber-stream.der "$w/c.pem"
openssl smime -encrypt -binary -outform DER -des3 -in "$w/p.json" \
	-out corpus/cms/smime-des3.der "$w/c.pem"
# Text seeds for the base64 and JSON checks that run on every input.
base64 -w 64 corpus/cms/des3-pkcs1-issuer.der > corpus/cms/b64-wrapped.txt
printf '{"a":[1,{"b":"}\\"]"}]}' > corpus/cms/json.txt
echo "thumbprint $thumb; $(find corpus/cms -type f | wc -l) seeds"
