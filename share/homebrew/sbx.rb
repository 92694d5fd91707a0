# Homebrew formula for sbx.
#
# Release: tag vX.Y.Z, make the tarball with
#   git archive --prefix=sbx-X.Y.Z/ -o sbx-X.Y.Z.tar.gz vX.Y.Z
# publish it, and set url, version and sha256 (shasum -a 256 sbx-X.Y.Z.tar.gz)
# below; OWNER is where the project is published. From a clone, without a
# release: brew install --HEAD ./share/homebrew/sbx.rb
class Sbx < Formula
  desc "Run coding agents in full-auto mode inside disposable sandboxes"
  homepage "https://github.com/OWNER/sbx"
  url "https://github.com/OWNER/sbx/releases/download/v0.1.0/sbx-0.1.0.tar.gz"
  sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  head "https://github.com/OWNER/sbx.git", branch: "main"

  depends_on "pkg-config" => :build
  depends_on "scdoc" => :build
  depends_on "cjson"
  depends_on "libgit2"
  depends_on "nettle"
  depends_on "lima"

  on_linux do
    # The bwrap backend's seccomp filter.
    depends_on "libseccomp"
  end

  def install
    # PREFIX is compiled in (where sbx finds its git module, plugins and data),
    # so the build and the install get the same one.
    system "make", "PREFIX=#{prefix}"
    system "make", "install", "PREFIX=#{prefix}"
  end

  def caveats
    <<~EOS
      Completions for bash and zsh are installed where Homebrew's bash-completion
      and zsh look. For the shell functions (sbxcc, sbxcx, sbxoc, sbxgm, sbxsh) add
        eval "$(sbx init zsh)"     to ~/.zshrc, after compinit
        eval "$(sbx init bash)"    to ~/.bashrc
    EOS
  end

  test do
    assert_match(/^sbx \d+\.\d+\.\d+ /, shell_output("#{bin}/sbx --version"))
    assert_match "usage: sbx run", shell_output("#{bin}/sbx help run")
    assert_match "_sbx", shell_output("#{bin}/sbx completion zsh")
    assert_predicate bin/"sbx-run", :symlink?
    assert_predicate man1/"sbx.1", :exist?
  end
end
