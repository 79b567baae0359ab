#pragma once

#include <string>

namespace pb::server {

// The OpenAPI 3 document served at GET /openapi.json. It lists exactly the
// routes Api::Handle serves (a test checks both directions).
const std::string& OpenApiDocument();

}  // namespace pb::server
