#include "server/openapi.h"

namespace pb::server {

const std::string& OpenApiDocument() {
  static const std::string kDoc = R"JSON({
  "openapi": "3.0.3",
  "info": {"title": "payments-backend", "version": "1.0.0",
           "description": "Durable payments ledger. Amounts are decimal ETH strings with at most 18 places. Every 2xx answer to a POST is on disk (journal, fsync) before it is sent. When PAYMENTS_API_ADMIN_TOKEN is set, every /api/ route needs the X-Admin-Token header. Request bodies are one JSON object in UTF-8; a key given twice (at any depth) is refused with 400. List routes are paged: a request without paging parameters gets the first page (offset 0, limit 100); the next page is at next_offset (null on the last page), or for events at next_after_seq while more is true; a query parameter a list route does not take is a 400 naming it. Pages are rendered off the request loop and count against the reply memory (--max-reply-memory-mib): when it is full, 503 busy."},
  "components": {
    "securitySchemes": {"adminToken": {"type": "apiKey", "in": "header", "name": "X-Admin-Token"}},
    "parameters": {
      "Offset": {"name": "offset", "in": "query", "description": "index of the first entry (list order never changes: first-seen or recording order)", "schema": {"type": "integer", "minimum": 0, "maximum": 4294967295, "default": 0}},
      "Limit": {"name": "limit", "in": "query", "description": "at most this many entries; a value out of range, not decimal digits, or a parameter given twice is a 400", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}
    },
    "responses": {
      "BadRequest": {"description": "bad input: body, field or query parameter (the message names it)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    },
    "schemas": {
      "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {"kind": {"type": "string"}, "message": {"type": "string"}}}}},
      "Orchestrator": {"type": "object", "properties": {"orchestrator_id": {"type": "string"}, "address": {"type": "string"}, "registration_count": {"type": "integer"}, "eligible_for_payments": {"type": "boolean"}, "denylisted": {"type": "boolean"}, "registered_at": {"type": "string"}, "last_registered_at": {"type": "string"}, "balance": {"type": "string"}}},
      "PageFields": {"type": "object", "required": ["total", "offset", "limit", "next_offset"], "properties": {"total": {"type": "integer", "description": "entries in the whole list"}, "offset": {"type": "integer"}, "limit": {"type": "integer"}, "next_offset": {"type": "integer", "nullable": true, "description": "offset of the next page; null when this page is the last"}}},
      "OrchestratorPage": {"allOf": [{"$ref": "#/components/schemas/PageFields"}, {"type": "object", "required": ["orchestrators"], "properties": {"orchestrators": {"type": "array", "items": {"$ref": "#/components/schemas/Orchestrator"}}}}]},
      "WorkloadPage": {"allOf": [{"$ref": "#/components/schemas/PageFields"}, {"type": "object", "required": ["workloads"], "properties": {"workloads": {"type": "array", "items": {"$ref": "#/components/schemas/Workload"}}}}]},
      "BalancePage": {"allOf": [{"$ref": "#/components/schemas/PageFields"}, {"type": "object", "required": ["balances"], "properties": {"balances": {"type": "object", "description": "orchestrator_id to decimal ETH, shaped like balances.json, in first-seen order", "additionalProperties": {"type": "string"}}}}]},
      "EventPage": {"type": "object", "required": ["events", "next_after_seq", "more"], "properties": {"events": {"type": "array", "items": {"type": "object"}}, "next_after_seq": {"type": "integer", "description": "after_seq of the next page"}, "more": {"type": "boolean", "description": "durable records after next_after_seq existed when the page was built"}}},
      "Workload": {"type": "object", "properties": {"workload_id": {"type": "string"}, "orchestrator_id": {"type": "string"}, "amount": {"type": "string"}, "duration_ms": {"type": "integer"}, "status": {"type": "string"}, "submitted_at": {"type": "string"}, "credited": {"type": "boolean"}, "credited_at": {"type": "string"}, "seq": {"type": "integer"}}},
      "RegisterRequest": {"type": "object", "required": ["orchestrator_id", "address"], "additionalProperties": false, "properties": {"orchestrator_id": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"}, "address": {"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$"}}},
      "WorkloadRequest": {"type": "object", "required": ["workload_id", "orchestrator_id", "amount"], "additionalProperties": false, "properties": {"workload_id": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"}, "orchestrator_id": {"type": "string"}, "amount": {"type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,18})?$"}, "duration_ms": {"type": "integer", "minimum": 0}}},
      "AdjustmentRequest": {"type": "object", "required": ["orchestrator_id", "delta", "reason"], "additionalProperties": false, "properties": {"orchestrator_id": {"type": "string"}, "delta": {"type": "string", "pattern": "^[+-]?[0-9]+(\\.[0-9]{1,18})?$"}, "reason": {"type": "string", "minLength": 1, "maxLength": 256, "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$", "description": "1 to 256 Unicode characters (code points, not bytes); control characters (C0, DEL, C1 including U+0085, U+2028, U+2029) are refused"}, "tx_hash": {"type": "string", "pattern": "^0x[0-9a-fA-F]{64}$"}}}
    }
  },
  "paths": {
    "/health": {"get": {"summary": "Service status, journal sequence numbers, uptime; replication with --replicate-to; the cluster (role, standbys or primary) in one", "responses": {"200": {"description": "ok, or degraded while replication is stalled"}, "503": {"description": "journal failed; restart needed"}}}},
    "/health/primary": {"get": {"summary": "For a load balancer's check: 200 on a primary that accepts changes (a node outside a cluster is one), else 503 (docs/cluster.md)", "responses": {"200": {"description": "a primary accepting changes"}, "503": {"description": "a standby, or a primary refusing changes (no synchronous standby in step, journal failed)"}}}},
    "/health/standby": {"get": {"summary": "For a load balancer's check: 200 on a standby that follows its primary, else 503 (docs/cluster.md)", "responses": {"200": {"description": "a standby following its primary"}, "503": {"description": "a primary, or a standby not following"}}}},
    "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3 document"}}}},
    "/metrics": {"get": {"summary": "Prometheus metrics (text exposition format 0.0.4): journal and durable seqs, group-commit batch and fsync histograms, requests by route template, checkpoint age, replication, build. Open like /health: counters and times only, no balances, ids or amounts", "responses": {"200": {"description": "metrics", "content": {"text/plain; version=0.0.4": {"schema": {"type": "string"}}}}}}},
    "/api/orchestrators/register": {"post": {"summary": "Register (or re-register) an orchestrator", "security": [{"adminToken": []}], "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RegisterRequest"}}}}, "responses": {"201": {"description": "registered"}, "200": {"description": "re-registered"}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
    "/api/orchestrators": {"get": {"summary": "Orchestrators with their balances, in first-seen order, one page", "security": [{"adminToken": []}], "parameters": [{"$ref": "#/components/parameters/Offset"}, {"$ref": "#/components/parameters/Limit"}], "responses": {"200": {"description": "page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OrchestratorPage"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
    "/api/orchestrators/{id}": {"get": {"summary": "One orchestrator with its balance", "security": [{"adminToken": []}], "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {"200": {"description": "found"}, "404": {"description": "not registered"}}}},
    "/api/workloads": {
      "post": {"summary": "Record a workload and credit its orchestrator exactly once", "security": [{"adminToken": []}], "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WorkloadRequest"}}}}, "responses": {"201": {"description": "recorded and credited"}, "200": {"description": "same workload_id and body again: the first result"}, "400": {"$ref": "#/components/responses/BadRequest"}, "409": {"description": "same workload_id, different body"}, "422": {"description": "orchestrator unknown or denylisted, balance overflow"}}},
      "get": {"summary": "Workloads in recording order, one page", "security": [{"adminToken": []}], "parameters": [{"$ref": "#/components/parameters/Offset"}, {"$ref": "#/components/parameters/Limit"}], "responses": {"200": {"description": "page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WorkloadPage"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
    "/api/workloads/summary": {"get": {"summary": "Counts and the total credited", "security": [{"adminToken": []}], "responses": {"200": {"description": "summary"}}}},
    "/api/workloads/{id}": {"get": {"summary": "One workload", "security": [{"adminToken": []}], "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {"200": {"description": "found"}, "404": {"description": "unknown"}}}},
    "/api/ledger/events": {"get": {"summary": "Durable journal records after a sequence number, one page", "security": [{"adminToken": []}], "parameters": [{"name": "after_seq", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}}, {"$ref": "#/components/parameters/Limit"}], "responses": {"200": {"description": "records", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EventPage"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
    "/api/balances": {"get": {"summary": "Balances in first-seen order, one page; its balances member is shaped like balances.json", "security": [{"adminToken": []}], "parameters": [{"$ref": "#/components/parameters/Offset"}, {"$ref": "#/components/parameters/Limit"}], "responses": {"200": {"description": "page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BalancePage"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
    "/api/ledger/adjustments": {"post": {"summary": "Signed balance adjustment or payout (never below zero)", "security": [{"adminToken": []}], "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AdjustmentRequest"}}}}, "responses": {"201": {"description": "applied"}, "400": {"$ref": "#/components/responses/BadRequest"}, "422": {"description": "balance would go below zero"}}}}
  }
}
)JSON";
  return kDoc;
}

}  // namespace pb::server
