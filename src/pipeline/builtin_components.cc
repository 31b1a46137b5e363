// Every component that ships with Sluice, one line each. A new one is declared next to its code
// (a function returning its ComponentSpec) and added here; docs/components/NAME.md then follows
// from `make docs`.
#include "connectors/file/ndjson_source.h"
#include "connectors/s3/s3_client.h"
#include "connectors/sqs/sqs_source.h"
#include "http/server_options.h"
#include "jobs/lake/lake_build.h"
#include "jobs/lake/lake_seed.h"
#include "jobs/lake/lake_serve.h"
#include "jobs/logins/logins_component.h"
#include "jobs/report/daily_lessons.h"
#include "jobs/warehouse/warehouse_load.h"
#include "pipeline/component_registry.h"
#include "transforms/mask.h"
#include "transforms/message_pipeline.h"

namespace sluice {

void RegisterBuiltinComponents(ComponentRegistry& registry) {
  registry.Add(SqsSourceComponent());
  registry.Add(FileSourceComponent());
  registry.Add(ValidateComponent());
  registry.Add(MaskComponent());
  registry.Add(logins::LoginsPostgresComponent());
  registry.Add(logins::PostgresTableComponent());
  registry.Add(S3ObjectComponent());
  registry.Add(warehouse::WarehouseLoadComponent());
  registry.Add(report::DailyLessonsComponent());
  registry.Add(lake::LakeSeedComponent());
  registry.Add(lake::LakeBuildComponent());
  registry.Add(lake::LakeServeComponent());
  registry.Add(http::HttpServerComponent());
}

}  // namespace sluice
