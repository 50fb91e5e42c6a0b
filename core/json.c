/*
 * json - a read-only view of a cJSON document.
 */
#include "config.h"

#include "json.h"

#include <cjson/cJSON.h>
#include <limits.h>

struct json {
	cJSON *root;
};

struct json *json_parse(const char *text, size_t len)
{
	struct json *doc;
	cJSON *root = cJSON_ParseWithLength(text, len);

	if (root == NULL)
		return NULL;
	doc = cJSON_malloc(sizeof(*doc));
	if (doc == NULL) {
		cJSON_Delete(root);
		return NULL;
	}
	doc->root = root;
	return doc;
}

void json_free(struct json *doc)
{
	if (doc == NULL)
		return;
	cJSON_Delete(doc->root);
	cJSON_free(doc);
}

json_val *json_root(const struct json *doc)
{
	return doc != NULL ? doc->root : NULL;
}

json_val *json_get(json_val *obj, const char *name)
{
	return cJSON_IsObject((const cJSON *)obj)
	       ? cJSON_GetObjectItemCaseSensitive((const cJSON *)obj, name)
	       : NULL;
}

size_t json_count(json_val *arr)
{
	int n = cJSON_IsArray((const cJSON *)arr)
	        ? cJSON_GetArraySize((const cJSON *)arr) : 0;

	return n > 0 ? (size_t)n : 0;
}

json_val *json_first(json_val *container)
{
	const cJSON *c = container;

	return cJSON_IsArray(c) || cJSON_IsObject(c) ? c->child : NULL;
}

json_val *json_next(json_val *v)
{
	return v != NULL ? ((const cJSON *)v)->next : NULL;
}

int json_is_object(json_val *v)
{
	return cJSON_IsObject((const cJSON *)v);
}

int json_is_array(json_val *v)
{
	return cJSON_IsArray((const cJSON *)v);
}

const char *json_str(json_val *v)
{
	return cJSON_IsString((const cJSON *)v) &&
	       ((const cJSON *)v)->valuestring != NULL
	       ? ((const cJSON *)v)->valuestring : "";
}

int json_int(json_val *v)
{
	double d;

	if (!cJSON_IsNumber((const cJSON *)v))
		return 0;
	d = ((const cJSON *)v)->valuedouble;
	if (d >= INT_MAX)
		return INT_MAX;
	if (d <= INT_MIN)
		return INT_MIN;
	return (int)d;
}

const char *json_key(json_val *v)
{
	return v != NULL && ((const cJSON *)v)->string != NULL
	       ? ((const cJSON *)v)->string : "";
}
