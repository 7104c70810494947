namespace SemDepth.Data;

/// <summary>
/// How every reader of a data root treats symbolic links (data/README.md, "Links"): a link is looked at before it is
/// followed. A link whose target is the folder it sits in or one above it is a loop: one problem, never entered. A
/// dangling link, or one that cannot be resolved (a chain of links that loops), is one problem. A link that leaves
/// the data root is followed and named once as information (data kept on another disk is a link away). A link to a
/// file or folder inside the root is read as if it were there.
/// </summary>
public static class Links
{
    /// <summary>The files (or sub-folders) of <paramref name="dir"/>, sorted, without the links that loop or dangle;
    /// each of those is one problem in <paramref name="report"/>, each link out of the root one note.</summary>
    public static IReadOnlyList<string> Entries(string dir, bool directories, DataReport report)
    {
        var kept = new List<string>();
        var all = new DirectoryInfo(dir).EnumerateFileSystemInfos(
            "*",
            new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0 }
        );
        foreach (var e in all.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            if (e.LinkTarget is null)
            {
                if ((e is DirectoryInfo) == directories)
                    kept.Add(e.FullName);
                continue;
            }
            var (target, problem) = Resolve(e);
            if (problem is not null)
            {
                report.AddOnce(e.FullName, problem.Value.Kind, problem.Value.Message); // files or folders: once
                continue;
            }
            bool isDir = target is DirectoryInfo;
            if (isDir != directories)
                continue;
            string parent = Path.GetDirectoryName(e.FullName)!;
            if (isDir && IsSameOrAbove(target!.FullName, parent))
            {
                report.AddOnce(
                    e.FullName,
                    "symlink loop",
                    $"link to {target.FullName}, a folder it sits in: a loop, not followed"
                );
                continue;
            }
            if (!IsSameOrAbove(report.Root, target!.FullName))
                report.NoteOnce(
                    e.FullName,
                    $"{Path.GetRelativePath(report.Root, e.FullName)}: a link out of the data root, to "
                        + target.FullName
                );
            kept.Add(e.FullName);
        }
        return kept;
    }

    /// <summary>The final target of a link, or why it has none.</summary>
    static (FileSystemInfo? Target, (string Kind, string Message)? Problem) Resolve(FileSystemInfo link)
    {
        try
        {
            var target = link.ResolveLinkTarget(returnFinalTarget: true);
            if (target is null || !target.Exists)
                return (null, ("dangling link", $"link to {link.LinkTarget}, which does not exist"));
            return (target, null);
        }
        catch (IOException e)
        {
            return (
                null,
                ("symlink loop", $"link that cannot be resolved ({e.Message.TrimEnd('.')}): a loop, not followed")
            );
        }
    }

    /// <summary>Whether <paramref name="ancestor"/> is <paramref name="path"/> or a folder above it.</summary>
    public static bool IsSameOrAbove(string ancestor, string path)
    {
        string a = Path.TrimEndingDirectorySeparator(Path.GetFullPath(ancestor)),
            p = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        return p == a || p.StartsWith(a + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }
}
