#include "server/openapi.h"

namespace pb::server {

const std::string& OpenApiDocument() {
  static const std::string kDoc = R"JSON({
  "openapi": "3.0.3",
  "info": {"title": "payments-backend", "version": "1.0.0",
           "description": "Durable payments ledger. Amounts are decimal ETH strings with at most 18 places. Every 2xx answer to a POST is on disk (journal, fsync) before it is sent. When PAYMENTS_API_ADMIN_TOKEN is set, every /api/ route needs the X-Admin-Token header."},
  "components": {
    "securitySchemes": {"adminToken": {"type": "apiKey", "in": "header", "name": "X-Admin-Token"}},
    "schemas": {
      "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {"kind": {"type": "string"}, "message": {"type": "string"}}}}},
      "Orchestrator": {"type": "object", "properties": {"orchestrator_id": {"type": "string"}, "address": {"type": "string"}, "registration_count": {"type": "integer"}, "eligible_for_payments": {"type": "boolean"}, "denylisted": {"type": "boolean"}, "registered_at": {"type": "string"}, "last_registered_at": {"type": "string"}, "balance": {"type": "string"}}},
      "Workload": {"type": "object", "properties": {"workload_id": {"type": "string"}, "orchestrator_id": {"type": "string"}, "amount": {"type": "string"}, "duration_ms": {"type": "integer"}, "status": {"type": "string"}, "submitted_at": {"type": "string"}, "credited": {"type": "boolean"}, "credited_at": {"type": "string"}, "seq": {"type": "integer"}}},
      "RegisterRequest": {"type": "object", "required": ["orchestrator_id", "address"], "additionalProperties": false, "properties": {"orchestrator_id": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"}, "address": {"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$"}}},
      "WorkloadRequest": {"type": "object", "required": ["workload_id", "orchestrator_id", "amount"], "additionalProperties": false, "properties": {"workload_id": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"}, "orchestrator_id": {"type": "string"}, "amount": {"type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,18})?$"}, "duration_ms": {"type": "integer", "minimum": 0}}},
      "AdjustmentRequest": {"type": "object", "required": ["orchestrator_id", "delta", "reason"], "additionalProperties": false, "properties": {"orchestrator_id": {"type": "string"}, "delta": {"type": "string", "pattern": "^[+-]?[0-9]+(\\.[0-9]{1,18})?$"}, "reason": {"type": "string"}, "tx_hash": {"type": "string", "pattern": "^0x[0-9a-fA-F]{64}$"}}}
    }
  },
  "paths": {
    "/health": {"get": {"summary": "Service status, journal sequence numbers, uptime; replication with --replicate-to", "responses": {"200": {"description": "ok, or degraded while replication is stalled"}, "503": {"description": "journal failed; restart needed"}}}},
    "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3 document"}}}},
    "/metrics": {"get": {"summary": "Prometheus metrics (text exposition format 0.0.4): journal and durable seqs, group-commit batch and fsync histograms, requests by route template, checkpoint age, replication, build. Open like /health: counters and times only, no balances, ids or amounts", "responses": {"200": {"description": "metrics", "content": {"text/plain; version=0.0.4": {"schema": {"type": "string"}}}}}}},
    "/api/orchestrators/register": {"post": {"summary": "Register (or re-register) an orchestrator", "security": [{"adminToken": []}], "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RegisterRequest"}}}}, "responses": {"201": {"description": "registered"}, "200": {"description": "re-registered"}, "400": {"description": "bad input"}}}},
    "/api/orchestrators": {"get": {"summary": "All orchestrators with balances", "security": [{"adminToken": []}], "responses": {"200": {"description": "list"}}}},
    "/api/orchestrators/{id}": {"get": {"summary": "One orchestrator with its balance", "security": [{"adminToken": []}], "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {"200": {"description": "found"}, "404": {"description": "not registered"}}}},
    "/api/workloads": {
      "post": {"summary": "Record a workload and credit its orchestrator exactly once", "security": [{"adminToken": []}], "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WorkloadRequest"}}}}, "responses": {"201": {"description": "recorded and credited"}, "200": {"description": "same workload_id and body again: the first result"}, "409": {"description": "same workload_id, different body"}, "422": {"description": "orchestrator unknown or denylisted, balance overflow"}}},
      "get": {"summary": "Workloads in recording order", "security": [{"adminToken": []}], "parameters": [{"name": "offset", "in": "query", "schema": {"type": "integer"}}, {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 1000}}], "responses": {"200": {"description": "page"}}}},
    "/api/workloads/summary": {"get": {"summary": "Counts and the total credited", "security": [{"adminToken": []}], "responses": {"200": {"description": "summary"}}}},
    "/api/workloads/{id}": {"get": {"summary": "One workload", "security": [{"adminToken": []}], "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {"200": {"description": "found"}, "404": {"description": "unknown"}}}},
    "/api/ledger/events": {"get": {"summary": "Journal records after a sequence number", "security": [{"adminToken": []}], "parameters": [{"name": "after_seq", "in": "query", "schema": {"type": "integer"}}, {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 1000}}], "responses": {"200": {"description": "records"}}}},
    "/api/balances": {"get": {"summary": "All balances, shaped like balances.json", "security": [{"adminToken": []}], "responses": {"200": {"description": "balances"}}}},
    "/api/ledger/adjustments": {"post": {"summary": "Signed balance adjustment or payout (never below zero)", "security": [{"adminToken": []}], "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AdjustmentRequest"}}}}, "responses": {"201": {"description": "applied"}, "422": {"description": "balance would go below zero"}}}}
  }
}
)JSON";
  return kDoc;
}

}  // namespace pb::server
