package station

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"shilu/internal/media"
)

// Identity is what a docked device says about itself (X-DEV-1, ZFY_INFO of
// GA/T 947: product serial, officer number and name, unit number and
// name), and its clock read at docking (R-DEV-2).
type Identity struct {
	Serial   string `json:"serial,omitempty"`
	Officer  string `json:"officer,omitempty"`
	Name     string `json:"name,omitempty"`
	Unit     string `json:"unit,omitempty"`
	UnitName string `json:"unit_name,omitempty"`
	// DeviceTime is the device's clock as its info file gave it at
	// docking, StationTime the station's clock at the moment it was read;
	// both zero when the device offers no clock.
	DeviceTime  time.Time `json:"device_time,omitzero"`
	StationTime time.Time `json:"station_time,omitzero"`
}

// infoNames are the file names (any letter case) at a device's root that
// hold its identity, as key=value lines: the ZFY_INFO fields written out by
// the cameras that offer them over mass storage.
var infoNames = []string{"zfy_info.txt", "zfy_info.ini", "zfyinfo.txt", "device.txt"}

// infoKeys maps the keys found in those files (GA/T 947's field names and
// plain ones, any letter case) to Identity's fields.
var infoKeys = map[string]string{
	"cserial": "serial", "serial": "serial", "product_serial": "serial", "产品序号": "serial",
	"cuserno": "officer", "userno": "officer", "officer": "officer", "police_no": "officer", "警号": "officer",
	"cusername": "name", "username": "name", "name": "name", "姓名": "name",
	"cunitno": "unit", "unitno": "unit", "unit": "unit", "单位编号": "unit",
	"cunitname": "unit_name", "unitname": "unit_name", "unit_name": "unit_name", "单位名称": "unit_name",
	"time": "time", "clock": "time", "device_time": "time", "时间": "time",
}

// infoTimeLayouts are the forms a device's clock is written in: RFC 3339,
// or local time (Asia/Shanghai, the zone the cameras are set to).
var infoTimeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006/01/02 15:04:05", "20060102150405"}

// readIdentity reads the device identity at root, if the device offers
// one, and its clock; now is the station's clock, read right after the
// device's, and loc the zone of clocks written without one.
func readIdentity(root string, now func() time.Time, loc *time.Location) (Identity, bool) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return Identity{}, false
	}
	for _, e := range entries {
		for _, n := range infoNames {
			if strings.EqualFold(e.Name(), n) && e.Type().IsRegular() {
				id, ok := parseIdentity(filepath.Join(root, e.Name()), loc)
				if ok && !id.DeviceTime.IsZero() {
					id.StationTime = now()
				}
				return id, ok
			}
		}
	}
	return Identity{}, false
}

func parseIdentity(path string, loc *time.Location) (Identity, bool) {
	f, err := os.Open(path)
	if err != nil {
		return Identity{}, false
	}
	defer f.Close() //nolint:errcheck // read-only
	var id Identity
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			if k, v, ok = strings.Cut(line, ":"); !ok {
				continue
			}
		}
		v = strings.TrimSpace(v)
		switch infoKeys[strings.ToLower(strings.TrimSpace(k))] {
		case "serial":
			id.Serial = v
		case "officer":
			id.Officer = v
		case "name":
			id.Name = v
		case "unit":
			id.Unit = v
		case "unit_name":
			id.UnitName = v
		case "time":
			for _, l := range infoTimeLayouts {
				if t, err := time.ParseInLocation(l, v, loc); err == nil {
					id.DeviceTime = t
					break
				}
			}
		}
	}
	return id, id.Serial != "" || id.Officer != ""
}

// mediaExt are the extensions of recordings a device holds.
var mediaExt = map[string]bool{".mp4": true, ".mov": true, ".avi": true, ".mkv": true, ".ts": true, ".3gp": true,
	".wav": true, ".mp3": true, ".aac": true, ".amr": true, ".m4a": true, ".jpg": true, ".jpeg": true, ".png": true}

// skipDirs are directories of a device's file system that hold no
// recordings: the operating systems' own.
var skipDirs = map[string]bool{"system volume information": true, "$recycle.bin": true, ".trashes": true, ".spotlight-v100": true, ".fseventsd": true, "lost+found": true}

// importantDirs are folder names a camera files important (重要) clips in.
var importantDirs = map[string]bool{"imp": true, "important": true, "重要": true, "重要文件": true, "lock": true, "locked": true}

// found is a recording on a docked device.
type found struct {
	rel       string
	path      string
	size      int64
	mod       time.Time
	important bool
	locked    bool
}

// scanDevice walks a device's file system for recordings: media files
// whose names the ingest's patterns recognise (the camera's own naming) or
// that lie in the camera layout (DCIM and the like). Files a camera marks
// important — a name ending _IMP, an important folder — and read-only
// (locked) files are flagged (X-DEV-3).
func scanDevice(root string, patterns []media.NamePattern) ([]found, error) {
	var out []found
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root {
				return err
			}
			return nil // an unreadable corner of a device is not the others' problem
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (skipDirs[strings.ToLower(name)] || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || strings.HasPrefix(name, ".") || !mediaExt[strings.ToLower(filepath.Ext(name))] {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		f := found{rel: filepath.ToSlash(rel), path: path, size: info.Size(), mod: info.ModTime().UTC().Truncate(time.Microsecond), locked: info.Mode().Perm()&0o222 == 0}
		base := strings.ToUpper(strings.TrimSuffix(name, filepath.Ext(name)))
		f.important = strings.HasSuffix(base, "_IMP") || strings.Contains(base, "_IMP_")
		for _, part := range strings.Split(filepath.ToSlash(filepath.Dir(rel)), "/") {
			f.important = f.important || importantDirs[strings.ToLower(part)]
		}
		if _, ok := media.ParseName(patterns, name, nil); ok || inCameraLayout(f.rel) {
			out = append(out, f)
		}
		return nil
	})
	return out, err
}

// inCameraLayout reports whether rel lies in a folder cameras record into.
func inCameraLayout(rel string) bool {
	top := strings.ToUpper(strings.SplitN(rel, "/", 2)[0])
	switch top {
	case "DCIM", "RECORD", "VIDEO", "AUDIO", "PHOTO", "PICTURE", "MOVIE", "DSJ", "ZFY":
		return true
	}
	return false
}

// mountsUnder lists the device file systems under dir (e.g. /media, where
// the desktop's automounter mounts at /media/USER/LABEL): directories one
// or two levels down that are mount points, or that hold a device info
// file or a camera folder (so a directory laid out as a device counts too).
func mountsUnder(dir string) []string {
	var out []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if !e.IsDir() {
			continue
		}
		if looksLikeDevice(p) {
			out = append(out, p)
			continue
		}
		sub, err := os.ReadDir(p)
		if err != nil {
			continue
		}
		for _, s := range sub {
			if q := filepath.Join(p, s.Name()); s.IsDir() && looksLikeDevice(q) {
				out = append(out, q)
			}
		}
	}
	return out
}

func looksLikeDevice(p string) bool {
	if isMountPoint(p) {
		return true
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return false
	}
	for _, e := range entries {
		n := strings.ToLower(e.Name())
		for _, in := range infoNames {
			if n == in {
				return true
			}
		}
		if e.IsDir() && inCameraLayout(e.Name()) {
			return true
		}
	}
	return false
}

// isMountPoint reports whether p is on another file system than its
// parent.
func isMountPoint(p string) bool {
	var a, b syscall.Stat_t
	if syscall.Stat(p, &a) != nil || syscall.Stat(filepath.Dir(p), &b) != nil {
		return false
	}
	return a.Dev != b.Dev
}
