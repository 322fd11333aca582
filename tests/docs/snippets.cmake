# Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
# Docs that stay true: every ```cpp block of README.md, docs/*.md and
# examples/README.md becomes a translation unit in the build tree. ctest's
# docs_snippets compiles them all (a snippet that no longer compiles fails
# it), and each one with a main() runs as docs_snippet_<page>_<n>. A block
# whose first line is "// needs: Module ..." is built only when those Qt
# modules are found. Included from tests/CMakeLists.txt; read again when a
# page changes.
file(GLOB memconn_doc_pages ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/*.md
     ${PROJECT_SOURCE_DIR}/examples/README.md)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${memconn_doc_pages})
find_package(Qt6 QUIET OPTIONAL_COMPONENTS HttpServer WebSockets Test)
set(memconn_snippet_targets "")
set(memconn_snippet_dir ${CMAKE_CURRENT_BINARY_DIR}/snippets)
foreach(page ${memconn_doc_pages})
    file(RELATIVE_PATH page_name ${PROJECT_SOURCE_DIR} ${page})
    string(REGEX REPLACE "[^A-Za-z0-9]+" "_" page_id "${page_name}")
    file(READ ${page} text)
    # C++ holds ';', '[' and ']', which CMake lists would split or join on.
    string(REPLACE ";" "@SEMI@" text "${text}")
    string(REPLACE "[" "@LB@" text "${text}")
    string(REPLACE "]" "@RB@" text "${text}")
    string(REGEX MATCHALL "```cpp\n[^`]*```" blocks "${text}")
    set(n 0)
    foreach(block ${blocks})
        math(EXPR n "${n} + 1")
        string(REGEX REPLACE "^```cpp\n" "" code "${block}")
        string(REGEX REPLACE "```$" "" code "${code}")
        string(REPLACE "@SEMI@" ";" code "${code}")
        string(REPLACE "@LB@" "[" code "${code}")
        string(REPLACE "@RB@" "]" code "${code}")
        set(libraries MemConn::MemConn Qt6::Core Qt6::Network)
        set(usable ON)
        if(code MATCHES "^// needs: ([A-Za-z ]+)\n")
            string(REPLACE " " ";" modules "${CMAKE_MATCH_1}")
            foreach(module ${modules})
                if(TARGET Qt6::${module})
                    list(APPEND libraries Qt6::${module})
                elseif(TARGET MemConn::${module})
                    list(APPEND libraries MemConn::${module})
                else()
                    message(STATUS "MemConn: the snippet ${page_name} #${n} needs ${module}; skipped")
                    set(usable OFF)
                endif()
            endforeach()
        endif()
        if(NOT usable)
            continue()
        endif()
        set(target docs_snippet_${page_id}_${n})
        set(source ${memconn_snippet_dir}/${target}.cpp)
        # Written through a copy so that an unchanged snippet is not rebuilt.
        file(WRITE ${source}.new "// From ${page_name}, C++ block ${n}: edit it there.\n#line 1 \"${page_name} block ${n}\"\n${code}")
        configure_file(${source}.new ${source} COPYONLY)
        if(code MATCHES "int main\\(")
            add_executable(${target} EXCLUDE_FROM_ALL ${source})
            add_test(NAME ${target} COMMAND ${target})
            set_tests_properties(${target} PROPERTIES TIMEOUT 30 FIXTURES_REQUIRED docs_snippets
                ENVIRONMENT "QT_QPA_PLATFORM=offscreen")
        else()
            add_library(${target} OBJECT EXCLUDE_FROM_ALL ${source})
        endif()
        memconn_target_defaults(${target})
        target_link_libraries(${target} PRIVATE ${libraries})
        set_target_properties(${target} PROPERTIES AUTOMOC ON)
        list(APPEND memconn_snippet_targets ${target})
    endforeach()
endforeach()
add_custom_target(docs_snippets DEPENDS ${memconn_snippet_targets})
add_test(NAME docs_snippets COMMAND ${CMAKE_COMMAND} --build ${PROJECT_BINARY_DIR} --target docs_snippets)
set_tests_properties(docs_snippets PROPERTIES FIXTURES_SETUP docs_snippets TIMEOUT 600)

# Every relative link in those pages leads to a file or a heading that exists.
add_test(NAME docs_links COMMAND ${CMAKE_COMMAND} -DROOT=${PROJECT_SOURCE_DIR}
         -P ${CMAKE_CURRENT_LIST_DIR}/check_links.cmake)
