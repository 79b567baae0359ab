// metrics/: node-exporter textfiles — the metrics of a job that runs and
// exits (paymentsctl backup, drill, doctor), left in a file that
// node_exporter's textfile collector (--collector.textfile.directory)
// serves until the next run replaces it. docs/backups.md "Monitoring".
#pragma once

#include <string>

#include "common/status.h"
#include "metrics/registry.h"

namespace pb::metrics {

// InvalidArgument unless `path` can be a textfile: a name ending in ".prom"
// (the collector reads nothing else) in an existing directory this process
// may write to. For checking an operator's --metrics-file before the job.
Status CheckTextfilePath(const std::string& path);

// Writes registry.Render() to `path` atomically: a temporary file beside it
// ("<path>.tmp", which the collector ignores) is written, fsynced and
// renamed over `path`, so the collector never reads half a file. On
// failure `path` is unchanged.
Status WriteTextfile(const std::string& path, const Registry& registry);

}  // namespace pb::metrics
