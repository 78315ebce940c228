// Compiled by MSBuild's RoslynCodeTaskFactory (see ../TorchSharpNativeFix.targets), not part of Actors.Training.
// Kept to netstandard2.0 APIs, which is what the task factory compiles against.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Where the system C++ runtime lacks a symbol version (e.g. GLIBCXX_3.4.32 on Debian 12), marks the requirement of
/// <see cref="Library"/> on that version weak (VER_FLG_WEAK in its Vernaux entry of the .gnu.version_r section), so
/// the dynamic loader accepts the library. The file is rewritten (never edited in place, so a hard link into the
/// NuGet cache is never touched). Nothing happens where the system library already defines the version.
/// </summary>
public sealed class WeakenElfVersionRequirement : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>The ELF shared library to patch (the copy in the build output).</summary>
    [Required]
    public string Library { get; set; }

    /// <summary>The version requirement to weaken, e.g. GLIBCXX_3.4.32.</summary>
    [Required]
    public string VersionName { get; set; }

    /// <summary>The system library that should define the version (file name), e.g. libstdc++.so.6.</summary>
    [Required]
    public string SystemLibrary { get; set; }

    /// <summary>Folders searched for <see cref="SystemLibrary"/>, separated by ';'.</summary>
    [Required]
    public string SearchDirectories { get; set; }

    /// <summary>True when the library was rewritten.</summary>
    [Output]
    public bool Patched { get; set; }

    public override bool Execute()
    {
        if (!File.Exists(Library))
        {
            Log.LogMessage(MessageImportance.Low, "{0} not found; nothing to patch.", Library);
            return true;
        }

        var system = FindSystemLibrary();
        if (system == null)
        {
            Log.LogWarning("{0} was not found in {1}; {2} left as it is.", SystemLibrary, SearchDirectories, Library);
            return true;
        }

        if (Contains(File.ReadAllBytes(system), Encoding.ASCII.GetBytes(VersionName + "\0")))
        {
            Log.LogMessage(MessageImportance.Low, "{0} defines {1}; {2} needs no patch.", system, VersionName, Library);
            return true;
        }

        var bytes = File.ReadAllBytes(Library);
        string error;
        var result = Weaken(bytes, VersionName, out error);
        if (error != null)
        {
            Log.LogError("Cannot patch {0}: {1}", Library, error);
            return false;
        }

        if (result == 0)
        {
            Log.LogMessage(MessageImportance.Low, "{0}: the requirement on {1} is already weak or absent.", Library, VersionName);
            return true;
        }

        var temporary = Library + ".weak.tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Delete(Library);
        File.Move(temporary, Library);
        Patched = true;
        Log.LogMessage(
            MessageImportance.High,
            "{0} lacks {1}: marked that version requirement of {2} weak (TorchSharp on Debian 12, see training/README.md).",
            system,
            VersionName,
            Path.GetFileName(Library));
        return true;
    }

    /// <summary>Sets VER_FLG_WEAK on every Vernaux entry named <paramref name="versionName"/>; returns how many changed.</summary>
    public static int Weaken(byte[] elf, string versionName, out string error)
    {
        error = null;
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            error = "not an ELF file";
            return 0;
        }

        if (elf[4] != 2 || elf[5] != 1)
        {
            error = "expected a 64-bit little-endian ELF file";
            return 0;
        }

        var sectionOffset = (long)BitConverter.ToUInt64(elf, 0x28);
        int entrySize = BitConverter.ToUInt16(elf, 0x3A);
        int sectionCount = BitConverter.ToUInt16(elf, 0x3C);
        if (sectionOffset <= 0 || sectionOffset + ((long)entrySize * sectionCount) > elf.Length || entrySize < 64)
        {
            error = "section header table out of range";
            return 0;
        }

        var changed = 0;
        var found = false;
        for (var i = 0; i < sectionCount; i++)
        {
            var header = sectionOffset + ((long)i * entrySize);
            if (BitConverter.ToUInt32(elf, (int)header + 4) != ShtGnuVerneed)
            {
                continue;
            }

            found = true;
            var offset = (long)BitConverter.ToUInt64(elf, (int)header + 0x18);
            var size = (long)BitConverter.ToUInt64(elf, (int)header + 0x20);
            var link = BitConverter.ToUInt32(elf, (int)header + 0x28);
            var entries = BitConverter.ToUInt32(elf, (int)header + 0x2C);
            if (link >= sectionCount || offset + size > elf.Length)
            {
                error = ".gnu.version_r section or its string table out of range";
                return 0;
            }

            var strings = (long)BitConverter.ToUInt64(elf, (int)(sectionOffset + ((long)link * entrySize)) + 0x18);
            var need = offset;
            for (var n = 0; n < entries; n++)
            {
                // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32.
                if (need + 16 > offset + size)
                {
                    error = "Verneed entry out of range";
                    return 0;
                }

                int auxCount = BitConverter.ToUInt16(elf, (int)need + 2);
                var aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (var a = 0; a < auxCount; a++)
                {
                    // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32.
                    if (aux + 16 > offset + size)
                    {
                        error = "Vernaux entry out of range";
                        return 0;
                    }

                    var name = ReadString(elf, strings + BitConverter.ToUInt32(elf, (int)aux + 8));
                    var flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                    if (name == versionName && (flags & VerFlgWeak) == 0)
                    {
                        flags |= VerFlgWeak;
                        elf[aux + 4] = (byte)(flags & 0xff);
                        elf[aux + 5] = (byte)(flags >> 8);
                        changed++;
                    }

                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }

                var next = BitConverter.ToUInt32(elf, (int)need + 12);
                if (next == 0)
                {
                    break;
                }

                need += next;
            }
        }

        if (!found)
        {
            error = "no .gnu.version_r (SHT_GNU_verneed) section";
        }

        return changed;
    }

    private string FindSystemLibrary()
    {
        foreach (var directory in SearchDirectories.Split(new[] { ';', ':' }, StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(directory.Trim(), SystemLibrary);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    private static string ReadString(byte[] elf, long offset)
    {
        var end = offset;
        while (end < elf.Length && elf[end] != 0)
        {
            end++;
        }

        return Encoding.ASCII.GetString(elf, (int)offset, (int)(end - offset));
    }

    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Length; i++)
        {
            var match = true;
            for (var j = 0; j < needle.Length; j++)
            {
                if (haystack[i + j] != needle[j])
                {
                    match = false;
                    break;
                }
            }

            if (match)
            {
                return true;
            }
        }

        return false;
    }
}
