// The local-directory ObjectWriter: the file appears at its key whole or not at all, a reader
// sees the earlier file until then, and nothing is left behind by a failure or an abort.
#include "connectors/objstore/local_file_writer.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "aws/crypto.h"
#include "support/file_text.h"

namespace sluice {
namespace {

using sluice::testing::FileText;

namespace fs = std::filesystem;

class LocalFileWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "file-writer-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern + "/";
  }
  void TearDown() override { fs::remove_all(root_); }

  // Every name below the root, files and directories, relative to it.
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::recursive_directory_iterator(root_))
      names.push_back(fs::relative(entry.path(), root_).string());
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string root_;
};

TEST_F(LocalFileWriterTest, FinishPutsTheWholeFileAtItsKey) {
  LocalFileWriter writer(root_, "reports/daily/2024-07-01.csv");
  EXPECT_EQ(writer.Url(), "file://" + root_ + "reports/daily/2024-07-01.csv");
  ASSERT_TRUE(writer.Write("a,b\n").ok());
  ASSERT_TRUE(writer.Write("1,2\n").ok());
  // Until Finish only a hidden temporary file exists, beside the key.
  const std::vector<std::string> during = Names();
  ASSERT_EQ(during.size(), 3u);
  EXPECT_TRUE(during[2].starts_with("reports/daily/.sluice-tmp-2024-07-01.csv-")) << during[2];
  auto written = writer.Finish();
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_EQ(written->size, 8u);
  EXPECT_EQ(written->sha256_hex, HexLower(Sha256("a,b\n1,2\n")));
  EXPECT_EQ(written->parts, 1);
  EXPECT_EQ(FileText(root_ + "reports/daily/2024-07-01.csv"), "a,b\n1,2\n");
  EXPECT_EQ(Names(),
            (std::vector<std::string>{"reports", "reports/daily", "reports/daily/2024-07-01.csv"}));
  EXPECT_EQ(*writer.Link(60), writer.Url());
  EXPECT_FALSE(writer.LinkIsSigned());
  // Remove takes the object back.
  ASSERT_TRUE(writer.Remove().ok());
  EXPECT_FALSE(fs::exists(root_ + "reports/daily/2024-07-01.csv"));
}

TEST_F(LocalFileWriterTest, AnEmptyObjectIsAnEmptyFile) {
  LocalFileWriter writer(root_, "empty.csv");
  auto written = writer.Finish();
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_EQ(written->size, 0u);
  EXPECT_EQ(written->sha256_hex, HexLower(Sha256("")));
  EXPECT_TRUE(fs::exists(root_ + "empty.csv"));
}

TEST_F(LocalFileWriterTest, AReaderSeesTheEarlierFileUntilFinishAndAbortKeepsIt) {
  { std::ofstream(root_ + "r.csv") << "old\n"; }
  {
    LocalFileWriter writer(root_, "r.csv");
    ASSERT_TRUE(writer.Write("new\n").ok());
    EXPECT_EQ(FileText(root_ + "r.csv"), "old\n");
    writer.Abort();
  }
  EXPECT_EQ(FileText(root_ + "r.csv"), "old\n");
  EXPECT_EQ(Names(), std::vector<std::string>{"r.csv"});
  {
    // Dropped unfinished: the same as Abort.
    LocalFileWriter writer(root_, "r.csv");
    ASSERT_TRUE(writer.Write("newer\n").ok());
  }
  EXPECT_EQ(Names(), std::vector<std::string>{"r.csv"});
  LocalFileWriter writer(root_, "r.csv");
  ASSERT_TRUE(writer.Write("new\n").ok());
  ASSERT_TRUE(writer.Finish().ok());
  EXPECT_EQ(FileText(root_ + "r.csv"), "new\n");
}

TEST_F(LocalFileWriterTest, AMissingDirectoryIsNotFoundAndNotMade) {
  LocalFileWriter writer(root_ + "nope/", "a/b.csv");
  Status st = writer.Write("x");
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("the directory file://" + root_ + "nope/ does not exist"),
            std::string::npos)
      << st.message();
  EXPECT_TRUE(Names().empty());
}

TEST_F(LocalFileWriterTest, KeysThatWouldLeaveTheDirectoryAreRefused) {
  for (const char* key : {"../x.csv", "a/../../x.csv", "/etc/x", "a//b", "", "a/./b"}) {
    LocalFileWriter writer(root_, key);
    EXPECT_EQ(writer.Write("x").code(), StatusCode::kInvalidArgument) << key;
  }
  EXPECT_TRUE(Names().empty());
}

// A write the file system refuses midway (here the file size limit, as a full disk would)
// fails the writer, and nothing of it is left: checked in a child process, whose limit it is.
TEST_F(LocalFileWriterTest, AWriteThatFailsMidwayLeavesNothing) {
  auto write_beyond_the_limit = [this] {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{};
    limit.rlim_cur = limit.rlim_max = 100000;
    setrlimit(RLIMIT_FSIZE, &limit);
    LocalFileWriter writer(root_, "big.csv");
    const std::string chunk(65536, 'x');
    Status st = writer.Write(chunk);
    if (st.ok()) st = writer.Write(chunk);
    const bool failed = !st.ok() && st.message().find("big.csv: writing") != std::string::npos;
    std::exit(failed && Names().empty() ? 0 : 1);
  };
  EXPECT_EXIT(write_beyond_the_limit(), ::testing::ExitedWithCode(0), "");
  EXPECT_TRUE(Names().empty());
}

}  // namespace
}  // namespace sluice
