# The Debian package: `cpack -G DEB` in the build directory (or `cmake --build build --target
# package`) turns the install() rules of the top-level CMakeLists.txt into sluice_<version>_<arch>.deb.
# Its Depends line is not written by hand: dpkg-shlibdeps (dpkg-dev) reads the libraries the
# binary links and names the Debian packages, with versions, that provide them, so a library
# added to the build is declared without anyone remembering to. tests/packaging/deb_package_test.sh
# builds the package, unpacks it with dpkg -x and runs the unpacked binary.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sluice)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Data pipeline engine: SQS, PostgreSQL, MySQL and S3 jobs in one binary")
set(CPACK_PACKAGE_DESCRIPTION
    "Sluice runs a data team's everyday jobs: queue events into a masked PostgreSQL table exactly once, files into a warehouse with upserts and history, cross-database reports onto S3, and an aggregated data lake served over HTTP.")
set(SLUICE_DEB_MAINTAINER "Sluice developers <sluice-dev@example.invalid>"
    CACHE STRING "The Maintainer field of the .deb")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${SLUICE_DEB_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# sluice_0.1.0_amd64.deb, Debian's own naming, with the architecture dpkg reports.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# HTTPS to S3, SQS and STS checks certificates against the system's CA bundle.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS ca-certificates)
include(CPack)
