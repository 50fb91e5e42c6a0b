/*
 * check_status FILE - validate a status file the way waagent's
 * parse_ext_status() does, plus the rules it does not enforce but the
 * platform needs (waagent-contract.md 3.2): an array of one object,
 * version 1.0, timestampUTC "YYYY-MM-DDTHH:MM:SSZ", status.status one of
 * the four values, integer code, formattedMessage with lowercase lang and
 * message, the same for every substatus, valid UTF-8, under 128 KiB.
 *
 * Prints "<status> <code> <message>" and exits 0 when valid; prints what
 * is wrong and exits 1 otherwise.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad(const char *what)
{
	fprintf(stderr, "invalid status file: %s\n", what);
	return 1;
}

static int valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t len, k;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

static const char *const states[] = { "transitioning", "warning", "error",
	                              "success", NULL };

static int check_entry(const cJSON *st, const char *where)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(st, "status");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(st, "code");
	const cJSON *fm = cJSON_GetObjectItemCaseSensitive(st, "formattedMessage");
	size_t i;

	if (!cJSON_IsString(s))
		return bad(where);
	for (i = 0; states[i] != NULL; i++)
		if (strcmp(s->valuestring, states[i]) == 0)
			break;
	if (states[i] == NULL)
		return bad("status value is not one of the four");
	if (!cJSON_IsNumber(code) || code->valuedouble != (double)code->valueint)
		return bad("code is not an integer");
	if (fm != NULL) {
		const cJSON *lang = cJSON_GetObjectItemCaseSensitive(fm, "lang");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(fm, "message");

		if (!cJSON_IsString(lang) || !cJSON_IsString(msg))
			return bad("formattedMessage needs lang and message");
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char buf[256 * 1024];
	FILE *f;
	size_t n;
	cJSON *doc, *item, *st, *v, *ts, *subs, *sub, *fm, *msg;
	int r = 1;

	if (argc != 2)
		return bad("usage: check_status FILE");
	f = fopen(argv[1], "rb");
	if (f == NULL)
		return bad("cannot open the file");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n > 128 * 1024)
		return bad("larger than 128 KiB");
	if (!valid_utf8((const unsigned char *)buf, n))
		return bad("not valid UTF-8");
	doc = cJSON_Parse(buf);
	if (doc == NULL)
		return bad("not JSON");
	if (!cJSON_IsArray(doc) || cJSON_GetArraySize(doc) != 1) {
		bad("not an array of one object");
		goto out;
	}
	item = cJSON_GetArrayItem(doc, 0);
	v = cJSON_GetObjectItemCaseSensitive(item, "version");
	ts = cJSON_GetObjectItemCaseSensitive(item, "timestampUTC");
	st = cJSON_GetObjectItemCaseSensitive(item, "status");
	if (!cJSON_IsNumber(v) || v->valuedouble != 1.0) {
		bad("version is not 1.0");
		goto out;
	}
	if (!cJSON_IsString(ts) || strlen(ts->valuestring) != 20 ||
	    ts->valuestring[10] != 'T' || ts->valuestring[19] != 'Z') {
		bad("timestampUTC is not YYYY-MM-DDTHH:MM:SSZ");
		goto out;
	}
	if (!cJSON_IsObject(st) || check_entry(st, "status.status missing"))
		goto out;
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(st, "operation"))) {
		bad("status.operation missing");
		goto out;
	}
	subs = cJSON_GetObjectItemCaseSensitive(st, "substatus");
	if (subs != NULL && !cJSON_IsArray(subs) && !cJSON_IsNull(subs)) {
		bad("substatus is not an array");
		goto out;
	}
	cJSON_ArrayForEach(sub, subs) {
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(sub, "name")) ||
		    check_entry(sub, "substatus status missing"))
			goto out;
	}
	fm = cJSON_GetObjectItemCaseSensitive(st, "formattedMessage");
	msg = cJSON_GetObjectItemCaseSensitive(fm, "message");
	printf("%s %d %s\n",
	       cJSON_GetObjectItemCaseSensitive(st, "status")->valuestring,
	       cJSON_GetObjectItemCaseSensitive(st, "code")->valueint,
	       cJSON_IsString(msg) ? msg->valuestring : "");
	cJSON_ArrayForEach(sub, subs) {
		fm = cJSON_GetObjectItemCaseSensitive(sub, "formattedMessage");
		msg = cJSON_GetObjectItemCaseSensitive(fm, "message");
		printf("  %s: %s %d %s\n",
		       cJSON_GetObjectItemCaseSensitive(sub, "name")->valuestring,
		       cJSON_GetObjectItemCaseSensitive(sub, "status")->valuestring,
		       cJSON_GetObjectItemCaseSensitive(sub, "code")->valueint,
		       cJSON_IsString(msg) ? msg->valuestring : "");
	}
	r = 0;
out:
	cJSON_Delete(doc);
	return r;
}
