# Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
# Every property, method, signal and enum value the QML types declare
# (src/qml/memconnqml_p.h) is documented on docs/reference/qml.md, in
# backquotes. Run as: cmake -DHEADER=... -DPAGE=... -P check_qml_docs.cmake
file(READ "${HEADER}" header)
file(READ "${PAGE}" page)
string(REPLACE ";" " " header "${header}")   # a semicolon would split CMake lists
# Appends to `names` what each match of `pattern` in `text` becomes with
# `replacement` (the name it captures).
function(collect_names text pattern replacement)
    string(REGEX MATCHALL "${pattern}" matches "${text}")
    foreach(m IN LISTS matches)
        string(REGEX REPLACE "${pattern}" "${replacement}" m "${m}")
        list(APPEND names "${m}")
    endforeach()
    set(names "${names}" PARENT_SCOPE)
endfunction()

set(names "")
collect_names("${header}" "Q_PROPERTY\\([A-Za-z:]+ ([A-Za-z]+)" "\\1")
collect_names("${header}" "Q_INVOKABLE [A-Za-z]+ ([A-Za-z]+)\\(" "\\1")
# Signals: the declarations between Q_SIGNALS: and the next private section.
string(REGEX MATCHALL "Q_SIGNALS:[^}]*" blocks "${header}")
foreach(block IN LISTS blocks)
    string(FIND "${block}" "private" end)
    if(end GREATER -1)
        string(SUBSTRING "${block}" 0 ${end} block)
    endif()
    collect_names("${block}" "void ([A-Za-z]+)\\(" "\\1")
endforeach()
# Enum values (SocketState, SocketError).
collect_names("${header}" "([A-Za-z]+) = QAbstractSocket::" "\\1")
list(REMOVE_DUPLICATES names)
list(LENGTH names count)
if(count LESS 30)
    message(FATAL_ERROR "found only ${count} QML members in ${HEADER}: the patterns no longer match it")
endif()
set(missing "")
foreach(n IN LISTS names)
    string(FIND "${page}" "`${n}" at)
    if(at EQUAL -1)
        string(FIND "${page}" ".${n}`" at)
    endif()
    if(at EQUAL -1)
        string(FIND "${page}" " ${n}(" at)
    endif()
    if(at EQUAL -1)
        list(APPEND missing "${n}")
    endif()
endforeach()
if(missing)
    message(FATAL_ERROR "not documented on ${PAGE}: ${missing}")
endif()
message(STATUS "all ${count} QML members are documented on ${PAGE}")
