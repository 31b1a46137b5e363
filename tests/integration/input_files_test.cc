// The inputs of #13 against a real PostgreSQL: standard input ("-"), gzip files told by their
// bytes (members one after another, nothing after them), --delimiter and .tsv, a name without
// an extension told by its first byte, formats Sluice refuses plainly (by name, or by their
// bytes on standard input too), and a JSON array --file (gzip-compressed) resumed after its run
// was killed.
#include <gtest/gtest.h>
#include <signal.h>
#include <zlib.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/test_env.h"

namespace sluice {
namespace {

using sluice::testing::RunResult;
using sluice::testing::RunSluice;
using sluice::testing::WriteTempFile;

constexpr const char* kInputMovies =
    "title,duration_mins,original_language,size_mb\n"
    "Alpha,90,English,700\n"
    "Beta,not a number,French,1\n"
    "\"Gamma, the\nsequel\",100,German,800\n";

std::string InputGzip(const std::string& text) {
  std::string out(compressBound(text.size()) + 64, '\0');
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string InputSlurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class InputFiles : public sluice::testing::PgTest {
 protected:
  // Runs sluice with `input_path`'s bytes piped into its standard input, through a shell pipe
  // (so standard input is a pipe, as `cat f | sluice` makes it).
  RunResult RunPiped(const std::string& input_path, const std::string& args) {
    const std::string out = WriteTempFile("piped.out", "");
    const std::string err = WriteTempFile("piped.err", "");
    const std::string command = "cat '" + input_path + "' | SLUICE_PG_URL='" + url() + "' '" +
                                SLUICE_BINARY + "' --no-progress " + args + " >'" + out + "' 2>'" +
                                err + "'";
    const int status = std::system(command.c_str());
    RunResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = InputSlurp(out);
    result.err = InputSlurp(err);
    return result;
  }
  std::string Titles() {
    return Scalar("SELECT string_agg(title, '|' ORDER BY title) FROM movies");
  }
  std::string Rejects() {
    return Scalar(
        "SELECT string_agg(position || ' ' || reason, '|' ORDER BY position) "
        "FROM load_rejects");
  }
};

TEST_F(InputFiles, ACsvPipedIntoWarehouseLoadDashLoadsItsRows) {
  const std::string csv = WriteTempFile("movies.csv", kInputMovies);
  RunResult r = RunPiped(csv, "warehouse load --model movie -");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;  // one reject
  EXPECT_EQ(Titles(), "Alpha|Gamma, the\nsequel");
  EXPECT_EQ(Scalar("SELECT duration_mins FROM movies WHERE title = 'Alpha'"), "90");
  EXPECT_EQ(Rejects(), "line 3 duration_mins is not an integer (32-bit)");
  EXPECT_EQ(Scalar("SELECT DISTINCT source_file FROM load_rejects"), "-");
}

TEST_F(InputFiles, NdjsonPipedIntoWarehouseLoadIsToldFromItsFirstByte) {
  const std::string json = WriteTempFile("movies.ndjson",
                                         "{\"title\": \"Alpha\", \"duration_mins\": "
                                         "90}\n{\"title\": \"Beta\", \"duration_mins\": 5}\n");
  RunResult r = RunPiped(json, "warehouse load --model movie -");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Titles(), "Alpha|Beta");
}

TEST_F(InputFiles, GzipCsvAndNdjsonLoadTheRowsTheirPlainFilesLoad) {
  const std::string ndjson =
      "{\"title\": \"Alpha\", \"duration_mins\": 90}\n"
      "{\"title\": \"Beta\", \"duration_mins\": \"x\"}\n"
      "{\"title\": \"Gamma\", \"duration_mins\": 7}\n";
  // Plain first, then the same text compressed into a fresh schema's tables.
  std::vector<std::string> plain, compressed;
  for (bool gz : {false, true}) {
    ASSERT_TRUE(conn().Exec("DROP TABLE IF EXISTS movies, load_rejects", "test").ok());
    const std::string csv =
        WriteTempFile(gz ? "m.csv.gz" : "m.csv", gz ? InputGzip(kInputMovies) : kInputMovies);
    // Compressed, named as plain: told by its bytes.
    const std::string json = WriteTempFile("m.ndjson", gz ? InputGzip(ndjson) : ndjson);
    RunResult a = RunSluice({"warehouse", "load", "--model", "movie", csv}, url());
    EXPECT_EQ(a.exit_code, 3) << a.err;
    RunResult b = RunSluice({"warehouse", "load", "--model", "movie", json}, url());
    EXPECT_EQ(b.exit_code, 3) << b.err;
    auto& into = gz ? compressed : plain;
    into = {Titles(), Scalar("SELECT string_agg(position || ' ' || reason, '|' ORDER BY "
                             "position, reason) FROM load_rejects")};
  }
  EXPECT_EQ(plain, compressed);
  EXPECT_EQ(plain[0], "Alpha|Gamma|Gamma, the\nsequel");
  EXPECT_NE(plain[1].find("line 3 duration_mins"), std::string::npos) << plain[1];
  EXPECT_NE(plain[1].find("line 2 duration_mins"), std::string::npos) << plain[1];
}

TEST_F(InputFiles, ATruncatedGzipFailsClearlyAndStoresNothingOfIt) {
  // The rule of `warehouse load`: each file is one transaction, so a file that fails part way
  // stores none of its rows, and what earlier files committed stays.
  const std::string first = WriteTempFile("first.csv", kInputMovies);
  ASSERT_EQ(RunSluice({"warehouse", "load", "--model", "movie", first}, url()).exit_code, 3);
  std::string big = "title,duration_mins,original_language,size_mb\n";
  for (int i = 0; i < 50000; ++i)
    big += "Movie " + std::to_string(i * 7919) + "," + std::to_string(i % 300) + ",en,1\n";
  const std::string gz = InputGzip(big);
  const std::string cut = WriteTempFile("cut.csv.gz", gz.substr(0, gz.size() * 2 / 3));
  RunResult r = RunSluice({"warehouse", "load", "--model", "movie", cut}, url());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find(cut +
                       ": the gzip data is truncated: the compressed stream ended early, "
                       "at compressed byte " +
                       std::to_string(gz.size() * 2 / 3)),
            std::string::npos)
      << r.err;
  EXPECT_EQ(Titles(), "Alpha|Gamma, the\nsequel");
}

TEST_F(InputFiles, GzipMembersReadAsOneTextAndBytesAfterThemFailTheFile) {
  // Two members that split a record: `cat a.gz b.gz` loads as the text it holds.
  const std::string text = kInputMovies;
  const size_t half = text.size() / 2;
  const std::string members = InputGzip(text.substr(0, half)) + InputGzip(text.substr(half));
  const std::string joined = WriteTempFile("joined.csv.gz", members);
  RunResult a = RunSluice({"warehouse", "load", "--model", "movie", joined}, url());
  EXPECT_EQ(a.exit_code, 3) << a.err;
  EXPECT_EQ(Titles(), "Alpha|Gamma, the\nsequel");
  // Bytes after the last member that are not one fail the file, naming where they start.
  ASSERT_TRUE(conn().Exec("TRUNCATE movies, load_rejects", "test").ok());
  const std::string tail = WriteTempFile("tail.csv.gz", members + "appended,later\n");
  RunResult b = RunSluice({"warehouse", "load", "--model", "movie", tail}, url());
  EXPECT_EQ(b.exit_code, 1) << b.out << b.err;
  EXPECT_NE(b.err.find(tail + ": trailing data after the gzip stream at byte " +
                       std::to_string(members.size()) + ":"),
            std::string::npos)
      << b.err;
  EXPECT_EQ(Titles(), "");
}

TEST_F(InputFiles, ATruncatedGzipOnStandardInputSaysItEndedEarlyAndWhere) {
  std::string big = "title,duration_mins,original_language,size_mb\n";
  for (int i = 0; i < 20000; ++i)
    big += "Movie " + std::to_string(i * 7919) + "," + std::to_string(i % 300) + ",en,1\n";
  const std::string gz = InputGzip(big);
  const size_t cut = gz.size() / 2;
  const std::string path = WriteTempFile("cut_stdin.gz", gz.substr(0, cut));
  RunResult r = RunPiped(path, "warehouse load --model movie -");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("standard input: the gzip data is truncated: the compressed stream ended "
                       "early, at compressed byte " +
                       std::to_string(cut) + " "),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("<fd:"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("byte -1"), std::string::npos) << r.err;
}

TEST_F(InputFiles, ParquetOnStandardInputIsRefusedByItsBytes) {
  const std::string parquet = WriteTempFile("stdin.bin", std::string("PAR1\x15\x04\x15\x00", 8));
  RunResult r = RunPiped(parquet, "warehouse load --model movie -");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("standard input: Parquet is not supported (no Apache Arrow in Debian 12): "
                       "convert it to CSV or NDJSON first"),
            std::string::npos)
      << r.err;
  // Refused before anything is connected to: no table was made.
  EXPECT_EQ(Scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'movies' AND "
                   "schemaname = current_schema()"),
            "0");
  // A CSV piped after the look at its first bytes still loads every row.
  const std::string csv = WriteTempFile("stdin.csv.gz", InputGzip(kInputMovies));
  RunResult ok = RunPiped(csv, "warehouse load --model movie -");
  EXPECT_EQ(ok.exit_code, 3) << ok.err;
  EXPECT_EQ(Titles(), "Alpha|Gamma, the\nsequel");
}

TEST_F(InputFiles, AGzipFileWithoutAnInnerExtensionIsToldByItsFirstByte) {
  const std::string ndjson =
      WriteTempFile("data.gz", InputGzip("{\"title\": \"Alpha\", \"duration_mins\": 90}\n"
                                         "{\"title\": \"Beta\", \"duration_mins\": 5}\n"));
  RunResult a = RunSluice({"warehouse", "load", "--model", "movie", ndjson}, url());
  EXPECT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(Titles(), "Alpha|Beta");
  const std::string csv = WriteTempFile("table.gz", InputGzip(kInputMovies));
  RunResult b = RunSluice({"warehouse", "load", "--model", "movie", csv}, url());
  EXPECT_EQ(b.exit_code, 3) << b.err;
  EXPECT_EQ(Titles(), "Alpha|Beta|Gamma, the\nsequel");
}

TEST_F(InputFiles, TsvFilesAreSplitOnTabsWithoutOptions) {
  std::string tsv = kInputMovies;
  for (size_t i = 0; i < tsv.size(); ++i)
    if (tsv[i] == ',' && tsv.compare(i, 5, ", the") != 0) tsv[i] = '\t';
  for (const bool gz : {false, true}) {
    ASSERT_TRUE(conn().Exec("DROP TABLE IF EXISTS movies, load_rejects", "test").ok());
    const std::string path = WriteTempFile(gz ? "m.tsv.gz" : "m.tsv", gz ? InputGzip(tsv) : tsv);
    RunResult r = RunSluice({"warehouse", "load", "--model", "movie", path}, url());
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_EQ(Titles(), "Alpha|Gamma, the\nsequel");
  }
  // --delimiter says otherwise: the tabs are then data, and the header is one unknown column.
  const std::string path = WriteTempFile("m2.tsv", tsv);
  RunResult c =
      RunSluice({"warehouse", "load", "--model", "movie", "--delimiter", ";", path}, url());
  EXPECT_EQ(c.exit_code, 1) << c.err;
}

TEST_F(InputFiles, DelimiterWithJsonInputIsAUsageErrorNamingBoth) {
  const std::string ndjson =
      WriteTempFile("d.ndjson", "{\"title\": \"Alpha\", \"duration_mins\": 90}\n");
  RunResult a =
      RunSluice({"warehouse", "load", "--model", "movie", "--delimiter", ";", ndjson}, url());
  EXPECT_EQ(a.exit_code, 2) << a.err;
  EXPECT_NE(
      a.err.find("--delimiter ; cannot be used with JSON input: " + ndjson + " is read as JSON"),
      std::string::npos)
      << a.err;
  const std::string txt = WriteTempFile("d.txt", "{\"title\": \"Alpha\"}\n");
  RunResult b = RunSluice(
      {"warehouse", "load", "--model", "movie", "--format", "json", "--delimiter", "tab", txt},
      url());
  EXPECT_EQ(b.exit_code, 2) << b.err;
  EXPECT_NE(b.err.find("--delimiter tab cannot be used with JSON input: --format json reads"),
            std::string::npos)
      << b.err;
  // Standard input is told by its first bytes before anything is connected to, and the message
  // names the delimiter as for a file.
  RunResult c = RunPiped(ndjson, "warehouse load --model movie --delimiter ';' -");
  EXPECT_EQ(c.exit_code, 2) << c.err;
  EXPECT_NE(c.err.find("--delimiter ; cannot be used with JSON input: standard input is read as "
                       "JSON"),
            std::string::npos)
      << c.err;
  // No server listens on port 1: a usage error is still exit 2, found before connecting.
  const std::string err = WriteTempFile("dead.err", "");
  const std::string command = "cat '" + ndjson +
                              "' | SLUICE_PG_URL='postgresql://x@127.0.0.1:1/x' '" + SLUICE_BINARY +
                              "' --no-progress warehouse load --model movie " +
                              "--delimiter ';' - >/dev/null 2>'" + err + "'";
  const int status = std::system(command.c_str());
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 2) << InputSlurp(err);
  EXPECT_EQ(InputSlurp(err).find("connect"), std::string::npos) << InputSlurp(err);
}

TEST_F(InputFiles, ACutGzipLoginsFileSaysSoWithoutTheJsonArrayHint) {
  const std::string key = WriteTempFile("k5.key", "");
  std::remove(key.c_str());
  ASSERT_EQ(RunSluice({"logins", "keygen", key}, "").exit_code, 0);
  std::string array = "[\n";
  for (int i = 0; i < 2000; ++i) {
    array += (i ? ",\n" : "") + std::string("{\"user_id\": \"u") + std::to_string(i * 7919) +
             "\", \"ip\": \"10.0." + std::to_string(i % 200) + ".1\"}";
  }
  array += "\n]\n";
  const std::string gz = InputGzip(array);
  const std::string path = WriteTempFile("evtr.gz", gz.substr(0, gz.size() / 2));
  RunResult r = RunSluice({"logins", "run", "--file", path, "--key-file", key}, url());
  EXPECT_NE(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("the gzip data is truncated"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("is read as one JSON array"), std::string::npos) << r.err;
}

TEST_F(InputFiles, ADelimiterSplitsTabAndSemicolonFiles) {
  std::string tsv = kInputMovies;
  std::string semi = kInputMovies;
  for (size_t i = 0; i < tsv.size(); ++i) {
    // Only the separators: the comma inside the quoted title stays.
    if (tsv[i] == ',' && tsv.compare(i, 5, ", the") != 0) {
      tsv[i] = '\t';
      semi[i] = ';';
    }
  }
  const std::string tab_file = WriteTempFile("m.tsv", tsv);
  RunResult a = RunSluice(
      {"warehouse", "load", "--model", "movie", "--format", "csv", "--delimiter", "tab", tab_file},
      url());
  EXPECT_EQ(a.exit_code, 3) << a.err;
  const std::string semi_file = WriteTempFile("m.csv", semi);
  RunResult b =
      RunSluice({"warehouse", "load", "--model", "movie", "--delimiter", ";", semi_file}, url());
  EXPECT_EQ(b.exit_code, 3) << b.err;
  EXPECT_EQ(Titles(), "Alpha|Gamma, the\nsequel");
  // With the default comma the semicolon file is one column: its header fails the file.
  RunResult c = RunSluice({"warehouse", "load", "--model", "movie", semi_file}, url());
  EXPECT_EQ(c.exit_code, 1) << c.err;
  for (const char* bad : {"\"", ";;", "\xC2\xA7"}) {
    RunResult d =
        RunSluice({"warehouse", "load", "--model", "movie", "--delimiter", bad, semi_file}, url());
    EXPECT_EQ(d.exit_code, 2) << bad;
    EXPECT_NE(d.err.find("--delimiter"), std::string::npos) << d.err;
  }
}

TEST_F(InputFiles, ParquetAndSpreadsheetsAreRefusedPlainly) {
  const std::string parquet = WriteTempFile("export.csv", std::string("PAR1\x15\x04\x15", 7));
  RunResult a = RunSluice({"warehouse", "load", "--model", "movie", parquet}, url());
  EXPECT_EQ(a.exit_code, 2) << a.err;
  EXPECT_NE(a.err.find("Parquet is not supported (no Apache Arrow in Debian 12): convert it to "
                       "CSV or NDJSON first"),
            std::string::npos)
      << a.err;
  const std::string xlsx = WriteTempFile("book.xlsx", std::string("PK\x03\x04", 4));
  RunResult b = RunSluice({"warehouse", "load", "--model", "movie", xlsx}, url());
  EXPECT_EQ(b.exit_code, 2) << b.err;
  EXPECT_NE(b.err.find("is not supported"), std::string::npos) << b.err;
  const std::string key = WriteTempFile("k.key", "");
  std::remove(key.c_str());
  ASSERT_EQ(RunSluice({"logins", "keygen", key}, "").exit_code, 0);
  RunResult c = RunSluice({"logins", "run", "--file", parquet, "--key-file", key}, url());
  EXPECT_EQ(c.exit_code, 2) << c.err;
  EXPECT_NE(c.err.find("Parquet is not supported"), std::string::npos) << c.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'user_logins' AND "
                   "schemaname = current_schema()"),
            "0");
}

TEST_F(InputFiles, LoginsFileFromStandardInputIsRefusedSayingWhy) {
  const std::string key = WriteTempFile("k2.key", "");
  std::remove(key.c_str());
  ASSERT_EQ(RunSluice({"logins", "keygen", key}, "").exit_code, 0);
  const std::string events = WriteTempFile("e.ndjson", "{\"user_id\": \"u1\"}\n");
  RunResult r = RunPiped(events, "logins run --file - --key-file '" + key + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("standard input cannot be a --file source"), std::string::npos) << r.err;
}

// queue send reads standard input too, gzip-compressed or not, NDJSON or an array (held so it
// can be checked whole first); Parquet is refused before the queue is looked up.
TEST_F(InputFiles, QueueSendReadsStandardInput) {
  SLUICE_REQUIRE_AWS();
  const std::string queue = sluice::testing::UniqueName("inputs");
  ASSERT_EQ(RunSluice({"queue", "create", queue}, "").exit_code, 0);
  const std::string ndjson =
      WriteTempFile("e.ndjson", "{\"user_id\": \"u1\"}\n\n{\"user_id\": \"u2\"}\n");
  RunResult a = RunPiped(ndjson, "queue send " + queue + " -");
  EXPECT_EQ(a.exit_code, 0) << a.err;
  EXPECT_NE(a.out.find("sent 2 messages"), std::string::npos) << a.out;
  const std::string array = WriteTempFile("e.json.gz", InputGzip("[{\"a\": 1}, {\"a\": 2}, 3]"));
  RunResult b = RunPiped(array, "queue send " + queue + " -");
  EXPECT_EQ(b.exit_code, 0) << b.err;
  EXPECT_NE(b.out.find("sent 3 messages"), std::string::npos) << b.out;
  const std::string parquet = WriteTempFile("data.parquet", "PAR1");
  RunResult c = RunSluice({"queue", "send", queue, parquet}, "");
  EXPECT_EQ(c.exit_code, 2) << c.err;
  EXPECT_NE(c.err.find(parquet + ": Parquet is not supported"), std::string::npos) << c.err;
  EXPECT_EQ(c.err.find(parquet + ": " + parquet), std::string::npos) << c.err;
}

// Naive timestamps are UTC unless --timezone names their zone; a zone named in the value, or an
// offset, wins; a time the clocks skipped rejects its record naming the zone.
TEST_F(InputFiles, TimezoneReadsNaiveTimestampsInItsZone) {
  const std::string csv =
      WriteTempFile("streams.csv",
                    "movie_title,user_email,size_mb,start_at,end_at\n"
                    "A,a@x,1,2021-12-06T20:30:19,2021-12-06 21:00:00 America/New_York\n"
                    "B,b@x,1,2021-07-01T12:00:00+00:00,2021-07-01T12:00:00Z\n"
                    "C,c@x,1,2021-03-28T02:30:00,2021-03-28T03:30:00\n");
  RunResult r = RunSluice(
      {"warehouse", "load", "--model", "stream", "--timezone", "Europe/Paris", csv}, url());
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  auto instant = [&](const std::string& title, const std::string& column) {
    return Scalar(
        "SELECT to_char(" + column +
        " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM streams WHERE movie_title = '" + title +
        "'");
  };
  EXPECT_EQ(instant("A", "start_at"), "2021-12-06 19:30:19");
  EXPECT_EQ(instant("A", "end_at"), "2021-12-07 02:00:00");
  EXPECT_EQ(instant("B", "start_at"), "2021-07-01 12:00:00");
  EXPECT_NE(Rejects().find("does not exist in Europe/Paris"), std::string::npos) << Rejects();
  // Without --timezone the same naive time is UTC, as before.
  const std::string utc = WriteTempFile(
      "streams2.csv",
      "movie_title,user_email,size_mb,start_at,end_at\nD,d@x,1,2021-12-06T20:30:19,\n");
  EXPECT_EQ(RunSluice({"warehouse", "load", "--model", "stream", utc}, url()).exit_code, 0);
  EXPECT_EQ(instant("D", "start_at"), "2021-12-06 20:30:19");
  RunResult bad = RunSluice(
      {"warehouse", "load", "--model", "stream", "--timezone", "Mars/Olympus", utc}, url());
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("--timezone"), std::string::npos) << bad.err;
}

// A gzip JSON array --file killed mid-run and run again stores every element exactly once: its
// checkpoint counts elements of the decompressed array, committed with each batch.
TEST_F(InputFiles, AGzipJsonArrayFileResumesAfterAKillStoringEachElementOnce) {
  const std::string key = WriteTempFile("k3.key", "");
  std::remove(key.c_str());
  ASSERT_EQ(RunSluice({"logins", "keygen", key}, "").exit_code, 0);
  constexpr int kElements = 60000;
  std::string array = "[\n";
  for (int i = 0; i < kElements; ++i) {
    array += (i ? ",\n" : "") + std::string("{\"user_id\": \"u") + std::to_string(i) +
             "\", \"app_version\": \"1.0\", \"ip\": \"10.0.0." + std::to_string(i % 250) + "\"}";
  }
  array += "\n]\n";
  const std::string path = WriteTempFile("events.json.gz", InputGzip(array));
  const std::vector<std::string> args = {"logins",     "run", "--file",       path,
                                         "--key-file", key,   "--batch-size", "500"};
  const int pid = sluice::testing::SpawnSluice(args, url());
  ASSERT_GT(pid, 0);
  // Killed once some batches are in, before the end.
  int stored = 0;
  for (int i = 0; i < 600 && stored < 2000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    // The table is made by the run: counted once it is there.
    if (Scalar("SELECT to_regclass('user_logins') IS NOT NULL") != "t") continue;
    stored = std::atoi(Scalar("SELECT count(*) FROM user_logins").c_str());
  }
  kill(pid, SIGKILL);
  sluice::testing::WaitProcess(pid);
  ASSERT_LT(std::atoi(Scalar("SELECT count(*) FROM user_logins").c_str()), kElements)
      << "the run ended before it could be killed: make the file larger";
  RunResult again = RunSluice(args, url());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins"), std::to_string(kElements));
  EXPECT_EQ(Scalar("SELECT count(DISTINCT user_id) FROM user_logins"), std::to_string(kElements));
  EXPECT_EQ(Scalar("SELECT position FROM sluice_checkpoints"), std::to_string(kElements));
}

}  // namespace
}  // namespace sluice
