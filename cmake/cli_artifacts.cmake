# Writes the man page and the two completion scripts by running the built binary SLUICE, which
# generates them from its own command tree (`sluice manpage`, `sluice completion bash|zsh`), so
# what is installed always matches the binary. MAN, BASH and ZSH are the files to write.
# The variables a user may have set for their own runs must not change or break the build's.
unset(ENV{SLUICE_LOG_FORMAT})
unset(ENV{SLUICE_LOG_LEVEL})
foreach(pair "manpage;${MAN}" "completion bash;${BASH}" "completion zsh;${ZSH}")
  list(POP_BACK pair out)
  separate_arguments(words UNIX_COMMAND "${pair}")
  get_filename_component(dir ${out} DIRECTORY)
  file(MAKE_DIRECTORY ${dir})
  execute_process(COMMAND ${SLUICE} ${words} OUTPUT_FILE ${out}.tmp RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "`sluice ${pair}` failed (${result})")
  endif()
  file(RENAME ${out}.tmp ${out})
endforeach()
