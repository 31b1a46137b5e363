# Writes a C++ source defining `std::string_view FUNCTION()` in namespace NAMESPACE that returns
# the bytes of file IN, so a file of the repository (examples/warehouse-models.yaml) is both
# documentation and what the binary runs.
file(READ ${IN} text)
get_filename_component(name ${IN} NAME)
if(text MATCHES "\\)sluice_text\"")
  message(FATAL_ERROR "${IN} holds the raw string's end marker )sluice_text\"")
endif()
file(WRITE ${OUT}.tmp "// Generated from ${name} by cmake/embed_text.cmake. Do not edit.
#include <string_view>

namespace ${NAMESPACE} {

std::string_view ${FUNCTION}() {
  return R\"sluice_text(${text})sluice_text\";
}

}  // namespace ${NAMESPACE}
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
