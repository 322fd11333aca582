# Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
# Debian packages with CPack, split the Debian way:
#   libmemconn0               the shared library (Runtime)
#   libmemconn-dev            headers, libMemConn.so, CMake, pkg-config and qmake files (Development)
#   qml6-module-memconn       the QML module, in Qt's QML import path (Qml)
#   libmemconnremoteobjects0  the Qt Remote Objects transport, when built (RemoteObjects)
# Configure with -DCMAKE_INSTALL_PREFIX=/usr (the libraries then go to
# lib/<triplet>, Qt's QML path to lib/<triplet>/qt6/qml), build, then
# `cpack -G DEB`. scripts/memconn.sh deb does it and checks the result with
# lintian.
set(CPACK_PACKAGE_NAME memconn)
set(CPACK_PACKAGE_VENDOR "The MemConn authors")
set(CPACK_PACKAGE_CONTACT "The MemConn authors <memconn@example.org>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# Each package's synopsis is the first line of its own description below;
# CPack prepends any summary other than its default one to every package's.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_NAME} built using CMake")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL Runtime Development Qml)
if(TARGET MemConnRemoteObjects)
    list(APPEND CPACK_COMPONENTS_ALL RemoteObjects)
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# A shlibs file for each library package: libmemconn0 (= VERSION).
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
# libMemConn.so.0 for the packages that link it (their Depends name libmemconn0).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR}/src)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/memconn")
set(memconn_deb_version "${PROJECT_VERSION}")

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME libmemconn0)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "${PROJECT_DESCRIPTION}
MemConn gives Qt programs named, in-memory network connections: a MemServer
listens on a name, a MemSocket connects to it, and the pair behaves like a
QLocalSocket or QTcpSocket connection whose bytes never leave the process.
.
This package contains the shared library.")
# ldconfig runs from a trigger (lintian: lacks-ldconfig-trigger without it).
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/cmake/debian/triggers)

set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME libmemconn-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_ARCHITECTURE_DEPENDENT ON)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS "libmemconn0 (= ${memconn_deb_version}), qt6-base-dev (>= 6.4)")
set(CPACK_DEBIAN_DEVELOPMENT_DESCRIPTION "${PROJECT_DESCRIPTION} (development files)
MemConn gives Qt programs named, in-memory network connections.
.
This package contains the headers, the CMake package (find_package(MemConn)),
the pkg-config file and the qmake module file (QT += memconn).")

set(CPACK_DEBIAN_QML_PACKAGE_NAME qml6-module-memconn)
set(CPACK_DEBIAN_QML_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_QML_PACKAGE_DEPENDS "libmemconn0 (= ${memconn_deb_version})")
set(CPACK_DEBIAN_QML_DESCRIPTION "${PROJECT_DESCRIPTION} (QML module)
MemConn gives Qt programs named, in-memory network connections.
.
This package contains the QML module MemConn (import MemConn), with the
types MemServer and MemSocket.")

set(CPACK_DEBIAN_REMOTEOBJECTS_PACKAGE_NAME libmemconnremoteobjects0)
set(CPACK_DEBIAN_REMOTEOBJECTS_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_REMOTEOBJECTS_PACKAGE_DEPENDS "libmemconn0 (= ${memconn_deb_version})")
set(CPACK_DEBIAN_REMOTEOBJECTS_DESCRIPTION "${PROJECT_DESCRIPTION} (Qt Remote Objects transport)
MemConn gives Qt programs named, in-memory network connections.
.
This package contains the library that lets Qt Remote Objects hosts and
nodes talk over memu: and memb: URLs.")
set(CPACK_DEBIAN_REMOTEOBJECTS_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/cmake/debian/triggers)

# With MEMCONN_PACKAGE_DEB=ON (only for building packages): every package
# carries the copyright file and the changelog Debian asks for.
option(MEMCONN_PACKAGE_DEB "Install the files Debian packages carry (copyright, changelog, lintian overrides)" OFF)
if(MEMCONN_PACKAGE_DEB)
    set(memconn_changelog ${PROJECT_BINARY_DIR}/debian/changelog)
    configure_file(${PROJECT_SOURCE_DIR}/cmake/debian/changelog.in ${memconn_changelog} @ONLY)
    find_program(MEMCONN_GZIP gzip REQUIRED)
    execute_process(COMMAND ${MEMCONN_GZIP} -9nf ${memconn_changelog})
    foreach(component IN LISTS CPACK_COMPONENTS_ALL)
        string(TOUPPER ${component} upper)
        set(package ${CPACK_DEBIAN_${upper}_PACKAGE_NAME})
        install(FILES ${PROJECT_SOURCE_DIR}/cmake/debian/copyright
                DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${package} COMPONENT ${component})
        install(FILES ${memconn_changelog}.gz
                DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${package} COMPONENT ${component})
    endforeach()
    # The one lintian finding left, explained in the override file, for the
    # packages with a shared library.
    foreach(component IN ITEMS Runtime RemoteObjects)
        if(NOT component IN_LIST CPACK_COMPONENTS_ALL)
            continue()
        endif()
        string(TOUPPER ${component} upper)
        set(package ${CPACK_DEBIAN_${upper}_PACKAGE_NAME})
        configure_file(${PROJECT_SOURCE_DIR}/cmake/debian/lintian-overrides.in
                       ${PROJECT_BINARY_DIR}/debian/overrides/${package} @ONLY)
        install(FILES ${PROJECT_BINARY_DIR}/debian/overrides/${package}
                DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides COMPONENT ${component})
    endforeach()
endif()
include(CPack)
