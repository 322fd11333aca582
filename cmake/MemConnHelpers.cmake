# Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
# Flags every MemConn target gets: strict Qt defines, warnings, hidden symbols.
function(memconn_target_defaults target)
    target_compile_definitions(${target} PRIVATE
        QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_NO_KEYWORDS QT_NO_FOREACH
        QT_NO_URL_CAST_FROM_STRING QT_USE_QSTRINGBUILDER)
    if(NOT MSVC)
        target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
        if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
            # Qt's qCDebug(category) is a variadic macro called with no
            # variadic argument, which Clang's -Wpedantic reports.
            target_compile_options(${target} PRIVATE -Wno-gnu-zero-variadic-macro-arguments)
        endif()
    endif()
    set_target_properties(${target} PROPERTIES
        CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
    if(MEMCONN_BUILD_FUZZERS)
        target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
    endif()
    if(MEMCONN_SANITIZE)
        target_compile_options(${target} PRIVATE -fsanitize=${MEMCONN_SANITIZE} -fno-omit-frame-pointer
                                                 -fno-sanitize-recover=all)
        target_link_options(${target} PRIVATE -fsanitize=${MEMCONN_SANITIZE})
    endif()
endfunction()

# memconn_find_qt(<var> "<what is skipped without them>" <Component>...)
# Finds optional Qt 6 modules quietly. <var> is TRUE when every
# Qt6::<Component> exists; otherwise it is FALSE and a status message names
# the modules and what is skipped. A macro: the imported targets and the
# variables find_package() sets stay visible to the caller.
macro(memconn_find_qt var skipped)
    find_package(Qt6 6.4 QUIET COMPONENTS ${ARGN})
    set(${var} TRUE)
    foreach(_memconn_component ${ARGN})
        if(NOT TARGET Qt6::${_memconn_component})
            set(${var} FALSE)
        endif()
    endforeach()
    if(NOT ${var})
        string(REPLACE ";" " or Qt " _memconn_components "${ARGN}")
        message(STATUS "MemConn: Qt ${_memconn_components} not found, ${skipped}")
    endif()
endmacro()

# memconn_add_test(tst_name SOURCES ... [LIBRARIES ...] [TIMEOUT s] [LABELS ...])
# Label `threaded` marks the suites the TSan job runs (scripts/memconn.sh).
function(memconn_add_test name)
    cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBRARIES;LABELS" ${ARGN})
    if(NOT ARG_SOURCES)
        set(ARG_SOURCES ${name}.cpp)
    endif()
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT 120)
    endif()
    add_executable(${name} ${ARG_SOURCES})
    memconn_target_defaults(${name})
    target_link_libraries(${name} PRIVATE MemConn::MemConn Qt6::Test ${ARG_LIBRARIES})
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT}
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;TSAN_OPTIONS=ignore_noninstrumented_modules=1 halt_on_error=1"
        LABELS "${ARG_LABELS}")
endfunction()
