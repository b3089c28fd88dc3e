/* medlens clinic map (vendored Leaflet + Leaflet.markercluster, no inline script: CSP script-src 'self').
 *
 * The clinic list is the page's content; this script plots its items as clustered markers, filters list
 * and markers as the visitor types an address or district, and, on request, sorts the list by distance
 * from the browser's own location. That location is used here only: no request carries it, so the
 * server never sees or stores it. Without tiles (no tile URL set) the markers and the list still work.
 */
(function () {
  "use strict";

  var KOREA = [36.4, 127.9];

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function haversineKm(lat1, lon1, lat2, lon2) {
    var r = Math.PI / 180;
    var dp = (lat2 - lat1) * r;
    var dl = (lon2 - lon1) * r;
    var a = Math.pow(Math.sin(dp / 2), 2) + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.pow(Math.sin(dl / 2), 2);
    return 2 * 6371.0088 * Math.asin(Math.sqrt(a));
  }

  function popupFor(li) {
    var box = document.createElement("div");
    var name = document.createElement("strong");
    name.textContent = li.querySelector("strong").textContent;
    box.appendChild(name);
    box.appendChild(document.createElement("br"));
    box.appendChild(document.createTextNode(li.dataset.address || ""));
    if (li.dataset.phone) {
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(li.dataset.phone));
    }
    return box;
  }

  ready(function () {
    var el = document.getElementById("clinic-map");
    var list = document.getElementById("clinic-list");
    var input = document.getElementById("region");
    var count = document.getElementById("clinic-count");
    var none = document.getElementById("clinic-none");
    var locate = document.getElementById("use-location");
    var status = document.getElementById("location-status");
    var items = list ? Array.prototype.slice.call(list.querySelectorAll("li.clinic")) : [];
    var map = null;
    var cluster = null;
    var here = null;

    if (el && window.L) {
      L.Icon.Default.imagePath = "/static/vendor/leaflet/images/";
      map = L.map(el, { scrollWheelZoom: false, minZoom: 3, maxZoom: 18 }); // markercluster needs a maxZoom (no tile layer gives one)
      if (el.dataset.tileUrl) {
        L.tileLayer(el.dataset.tileUrl, { maxZoom: 19, attribution: el.dataset.tileAttribution || "" }).addTo(map);
      }
      cluster = L.markerClusterGroup ? L.markerClusterGroup({ chunkedLoading: true }) : L.layerGroup();
      items.forEach(function (li) {
        var lat = parseFloat(li.dataset.lat);
        var lon = parseFloat(li.dataset.lon);
        if (!isFinite(lat) || !isFinite(lon)) return;
        var title = li.querySelector("strong").textContent;
        li.marker = L.marker([lat, lon], { title: title, alt: title, keyboard: true }).bindPopup(popupFor(li));
      });
      map.addLayer(cluster);
      map.setView(KOREA, 7);
    } else if (el) {
      el.hidden = true;
    }

    function fit(markers) {
      if (!map) return;
      if (!markers.length) {
        map.setView(KOREA, 7);
        return;
      }
      var bounds = L.latLngBounds(markers.map(function (m) { return m.getLatLng(); }));
      if (here) bounds.extend(here.getLatLng());
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 13 });
    }

    function apply(query) {
      var q = (query || "").trim().toLowerCase();
      var markers = [];
      var shown = 0;
      items.forEach(function (li) {
        var ok = !q || (li.dataset.search || "").indexOf(q) >= 0;
        li.hidden = !ok;
        if (ok) {
          shown += 1;
          if (li.marker) markers.push(li.marker);
        }
      });
      if (cluster) {
        cluster.clearLayers();
        if (cluster.addLayers) cluster.addLayers(markers);
        else markers.forEach(function (m) { cluster.addLayer(m); });
        fit(markers);
      }
      if (count && el) count.textContent = (el.dataset.shown || "{n}").replace("{n}", String(shown));
      if (none) none.hidden = shown > 0;
      if (el) el.dataset.markers = String(markers.length);
    }

    function sortByDistance(lat, lon) {
      var km = (el && el.dataset.km) || "km";
      items.forEach(function (li) {
        li.distance = haversineKm(lat, lon, parseFloat(li.dataset.lat), parseFloat(li.dataset.lon));
        var span = li.querySelector(".distance");
        if (span) span.textContent = " — " + li.distance.toFixed(1) + " " + km;
      });
      items.sort(function (a, b) { return a.distance - b.distance; });
      items.forEach(function (li) { list.appendChild(li); });
    }

    if (input) {
      input.addEventListener("input", function () { apply(input.value); });
    }
    apply(input ? input.value : "");

    if (locate && navigator.geolocation && list) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(
          function (pos) {
            var lat = pos.coords.latitude;
            var lon = pos.coords.longitude;
            sortByDistance(lat, lon);
            if (map) {
              if (here) here.remove();
              here = L.circleMarker([lat, lon], { radius: 9, color: "#8b0000", weight: 3, fillOpacity: 0.4 }).addTo(map);
            }
            apply(input ? input.value : "");
            if (status && el) status.textContent = el.dataset.located || "";
          },
          function () {
            if (status && el) status.textContent = el.dataset.locateFailed || "";
          },
          { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 }
        );
      });
    }
  });
})();
