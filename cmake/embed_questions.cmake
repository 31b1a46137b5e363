# Writes a C++ source defining sluice::warehouse::Questions() from the .sql files in DIR.
# Each file's first line, a `-- ` comment, is the question's title.
file(GLOB FILES ${DIR}/*.sql)
list(SORT FILES)
set(body "")
foreach(file ${FILES})
  get_filename_component(name ${file} NAME_WE)
  file(READ ${file} sql)
  string(REGEX MATCH "^-- ([^\n]*)" _ "${sql}")
  set(title "${CMAKE_MATCH_1}")
  string(REGEX REPLACE "^([^_]*)_.*" "\\1" id "${name}")
  string(APPEND body "      {\"${id}\", R\"sluice_title(${title})sluice_title\", R\"sluice_sql(${sql})sluice_sql\"},\n")
endforeach()
file(WRITE ${OUT}.tmp "// Generated from sql/warehouse by cmake/embed_questions.cmake. Do not edit.
#include \"jobs/warehouse/warehouse_query.h\"

namespace sluice::warehouse {

const std::vector<Question>& Questions() {
  static const std::vector<Question> questions = {
${body}  };
  return questions;
}

}  // namespace sluice::warehouse
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
