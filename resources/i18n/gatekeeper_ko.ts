<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
<context>
    <name>CameraRow</name>
    <message>
        <location filename="../../gatekeeper/ui/camera_rows.py" line="+52"/>
        <source>Camera name</source>
        <translation>카메라 이름</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>USB camera</source>
        <translation>USB 카메라</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Network (RTSP/HTTP)</source>
        <translation>네트워크 (RTSP/HTTP)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Video file</source>
        <translation>동영상 파일</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Demo</source>
        <translation>데모</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Index </source>
        <translation>번호 </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>rtsp://user:password@host/stream</source>
        <translation>rtsp://사용자:비밀번호@호스트/스트림</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Path of a video file</source>
        <translation>동영상 파일 경로</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Browse…</source>
        <translation>찾아보기…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Built-in demo video</source>
        <translation>내장 데모 영상</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Entry</source>
        <translation>입구</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Exit</source>
        <translation>출구</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Enabled</source>
        <translation>사용</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove</source>
        <translation>삭제</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>the address must start with rtsp:// or http(s)://</source>
        <translation>주소는 rtsp:// 또는 http(s):// 로 시작해야 합니다</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>choose a video file</source>
        <translation>동영상 파일을 선택하세요</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Choose a video file</source>
        <translation>동영상 파일 선택</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Videos (*.mp4 *.avi *.mkv *.mov *.m4v);;All files (*)</source>
        <translation>동영상 (*.mp4 *.avi *.mkv *.mov *.m4v);;모든 파일 (*)</translation>
    </message>
</context>
<context>
    <name>CameraView</name>
    <message>
        <location filename="../../gatekeeper/ui/camera_view.py" line="+40"/>
        <location line="+142"/>
        <source>Starting…</source>
        <extracomment>How long the last plate read stays in the bottom banner after the plate left the picture.</extracomment>
        <translation>시작하는 중…</translation>
    </message>
    <message>
        <location line="-46"/>
        <source>Entry</source>
        <translation>입구</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Exit</source>
        <translation>출구</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>%1 fps analysed</source>
        <translation>초당 %1프레임 분석</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Reconnecting…</source>
        <translation>다시 연결하는 중…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stopped</source>
        <translation>정지됨</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Camera error</source>
        <translation>카메라 오류</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Waiting for frames…</source>
        <translation>영상을 기다리는 중…</translation>
    </message>
</context>
<context>
    <name>CameraWorker</name>
    <message>
        <location filename="../../gatekeeper/ui/camera_worker.py" line="+180"/>
        <source>Opening camera…</source>
        <extracomment>Builds what a camera needs, in the worker thread: ``(progress) -&gt; (source, pipeline)``; long work (generating the demo video) calls ``progress(fraction)``, which raises ``StopRequested`` once stopping. Starts a runner: ``(source, pipeline, callbacks...) -&gt; object with start()/stop(timeout)``.</extracomment>
        <translation>카메라를 여는 중…</translation>
    </message>
    <message>
        <location line="+44"/>
        <source>Preparing the demo video… %1%</source>
        <translation>데모 영상을 준비하는 중… %1%</translation>
    </message>
</context>
<context>
    <name>CorrectionDialog</name>
    <message>
        <location filename="../../gatekeeper/ui/correction_dialog.py" line="+52"/>
        <location line="+25"/>
        <source>Correct plate</source>
        <translation>번호판 수정</translation>
    </message>
    <message>
        <location line="-16"/>
        <source>No image</source>
        <translation>이미지 없음</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Your name</source>
        <translation>이름</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Original read</source>
        <translation>원래 인식 결과</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Confidence</source>
        <translation>신뢰도</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Current correction</source>
        <translation>현재 수정 내용</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Operator</source>
        <translation>근무자</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The original read is kept in the log next to your correction.</source>
        <translation>원래 인식 결과는 수정 내용과 함께 기록에 보관됩니다.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Save</source>
        <translation>저장</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
</context>
<context>
    <name>Decision</name>
    <message>
        <location filename="../../gatekeeper/ui/entries_model.py" line="+45"/>
        <source>Registered</source>
        <translation>등록 차량</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Visitor</source>
        <translation>방문 차량</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Unknown</source>
        <translation>미등록</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Denied</source>
        <translation>출입 금지</translation>
    </message>
</context>
<context>
    <name>EntriesModel</name>
    <message>
        <location line="-15"/>
        <source>Time</source>
        <translation>시각</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Camera</source>
        <translation>카메라</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Lane</source>
        <translation>차로</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Plate</source>
        <translation>번호판</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Original read</source>
        <translation>원래 인식 결과</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Confidence</source>
        <translation>신뢰도</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Decision</source>
        <translation>판정</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Format</source>
        <translation>형식</translation>
    </message>
    <message>
        <location line="+154"/>
        <source>Corrected by the operator; the camera read %1</source>
        <translation>근무자가 수정함. 카메라 인식 결과: %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>As read by the camera</source>
        <translation>카메라가 인식한 그대로</translation>
    </message>
</context>
<context>
    <name>EntriesTab</name>
    <message>
        <location filename="../../gatekeeper/ui/entries_tab.py" line="+64"/>
        <source>Plate contains… (e.g. 가12 or AB1)</source>
        <translation>번호판 일부… (예: 가12, AB1)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>From</source>
        <translation>기간</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>All cameras</source>
        <translation>모든 카메라</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>All decisions</source>
        <translation>모든 판정</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Export CSV…</source>
        <translation>CSV 내보내기…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Correct plate…</source>
        <translation>번호판 수정…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Register vehicle…</source>
        <translation>차량 등록…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add the selected plate to the vehicles registry</source>
        <translation>선택한 번호판을 등록 차량 목록에 추가합니다</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>to</source>
        <translation>~</translation>
    </message>
    <message numerus="yes">
        <location line="+93"/>
        <source>%n pass(es)</source>
        <translation>
            <numerusform>%n건</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Could not read the log: %1</source>
        <translation>기록을 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>Correction not saved</source>
        <translation>수정 내용이 저장되지 않았습니다</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Export entries</source>
        <translation>출입 기록 내보내기</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 파일 (*.csv)</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Exporting entries…</source>
        <translation>출입 기록을 내보내는 중…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export CSV</source>
        <translation>CSV 내보내기</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>Export cancelled.</source>
        <translation>내보내기를 취소했습니다.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Exported %1 rows to %2</source>
        <translation>%1건을 %2(으)로 내보냈습니다</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Export failed</source>
        <translation>내보내기 실패</translation>
    </message>
</context>
<context>
    <name>FrameDialog</name>
    <message>
        <location filename="../../gatekeeper/ui/frame_dialog.py" line="+25"/>
        <source>Pass %1</source>
        <translation>통과 기록 %1</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>The evidence frame is not available.</source>
        <translation>증거 영상 프레임이 없습니다.</translation>
    </message>
</context>
<context>
    <name>GateStatusBar</name>
    <message>
        <location filename="../../gatekeeper/ui/status_bar.py" line="+32"/>
        <source>Models: loading…</source>
        <translation>모델: 불러오는 중…</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Model %1 on %2</source>
        <translation>모델 %1 (%2)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Models not loaded</source>
        <translation>모델을 불러오지 못했습니다</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Database: %1</source>
        <translation>데이터베이스: %1</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>starting</source>
        <translation>시작 중</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>running</source>
        <translation>작동 중</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>reconnecting</source>
        <translation>재연결 중</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>stopped</source>
        <translation>정지</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>error</source>
        <translation>오류</translation>
    </message>
</context>
<context>
    <name>LabelQueueTab</name>
    <message>
        <location filename="../../gatekeeper/ui/label_queue_tab.py" line="+27"/>
        <source>Not registered</source>
        <translation>미등록</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Invalid plate</source>
        <translation>잘못된 번호판</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Low confidence</source>
        <translation>낮은 신뢰도</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sent by operator</source>
        <translation>근무자가 보냄</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>To label</source>
        <translation>라벨 작업 대기</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Queued</source>
        <translation>대기 시작</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Camera</source>
        <translation>카메라</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Read</source>
        <translation>인식 결과</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Confidence</source>
        <translation>신뢰도</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Reason</source>
        <translation>사유</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Label…</source>
        <translation>라벨 작업…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Refresh</source>
        <translation>새로 고침</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Retrain…</source>
        <translation>재학습…</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>%1 to label · %2 labelled</source>
        <translation>작업 대기 %1건 · 완료 %2건</translation>
    </message>
    <message>
        <location line="+76"/>
        <source>Retrain</source>
        <translation>재학습</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 new labels are waiting. Retrain the plate reader now?</source>
        <translation>새 라벨 %1개가 대기 중입니다. 지금 번호 인식 모델을 재학습할까요?</translation>
    </message>
</context>
<context>
    <name>LabelingDialog</name>
    <message>
        <location filename="../../gatekeeper/ui/labeling_dialog.py" line="+42"/>
        <source>Private</source>
        <translation>자가용</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Commercial</source>
        <translation>영업용</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rental</source>
        <translation>렌터카</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Electric vehicle</source>
        <translation>전기차</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Two-line old green</source>
        <translation>구형 녹색 2줄</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Diplomatic</source>
        <translation>외교</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Foreign / Latin</source>
        <translation>외국 / 라틴 문자</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Car</source>
        <translation>승용차</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Van</source>
        <translation>승합차</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Truck</source>
        <translation>화물차</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Bus</source>
        <translation>버스</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Motorcycle</source>
        <translation>이륜차</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>white</source>
        <translation>흰색</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>black</source>
        <translation>검은색</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>grey</source>
        <translation>회색</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>silver</source>
        <translation>은색</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>blue</source>
        <translation>파란색</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>red</source>
        <translation>빨간색</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>green</source>
        <translation>초록색</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>yellow</source>
        <translation>노란색</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>brown</source>
        <translation>갈색</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>other</source>
        <translation>기타</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Label plates</source>
        <translation>번호판 라벨 작업</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>(unknown)</source>
        <translation>(모름)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Add box</source>
        <translation>상자 추가</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete box</source>
        <translation>상자 삭제</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Undo</source>
        <translation>실행 취소</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Save &amp;&amp; next</source>
        <translation>저장 후 다음</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Skip</source>
        <translation>건너뛰기</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Close</source>
        <translation>닫기</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Register this vehicle</source>
        <translation>이 차량 등록</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Valid until</source>
        <translation>유효 종료</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Owner</source>
        <translation>소유자</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Unit</source>
        <translation>동·호수</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Category</source>
        <translation>구분</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Plate</source>
        <translation>번호판</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Plate type</source>
        <translation>번호판 종류</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Vehicle</source>
        <translation>차종</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Colour</source>
        <translation>색상</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Enter: save · Esc: skip · Ctrl+Z: undo · Del: delete box · Ctrl+drag: new box · wheel: zoom · drag: pan</source>
        <translation>Enter: 저장 · Esc: 건너뛰기 · Ctrl+Z: 실행 취소 · Del: 상자 삭제 · Ctrl+드래그: 새 상자 · 휠: 확대/축소 · 드래그: 이동</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>Done: %1 labelled</source>
        <translation>완료: %1건 라벨 작업</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Camera %1 · read %2 (%3) · %4</source>
        <translation>카메라 %1 · 인식 %2 (%3) · %4</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>no reads</source>
        <translation>인식 결과 없음</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The frame %1 cannot be opened; skip this item.</source>
        <translation>프레임 %1을(를) 열 수 없습니다. 이 항목은 건너뛰세요.</translation>
    </message>
    <message>
        <location line="+60"/>
        <source>No plate box: Ctrl+drag on the frame or &apos;Add box&apos;.</source>
        <translation>번호판 상자가 없습니다. 화면에서 Ctrl+드래그하거나 &apos;상자 추가&apos;를 누르세요.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Box %1 of %2</source>
        <translation>상자 %1 / %2</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Nothing to undo.</source>
        <translation>취소할 작업이 없습니다.</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>Draw the plate box first (Ctrl+drag on the frame or &apos;Add box&apos;).</source>
        <translation>먼저 번호판 상자를 그리세요 (화면에서 Ctrl+드래그 또는 &apos;상자 추가&apos;).</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Plate %1: &apos;%2&apos; is not a valid plate number; fix it before saving.</source>
        <translation>번호판 %1: &apos;%2&apos;은(는) 올바른 번호판이 아닙니다. 저장하기 전에 고치세요.</translation>
    </message>
</context>
<context>
    <name>Lane</name>
    <message>
        <location filename="../../gatekeeper/ui/entries_model.py" line="-138"/>
        <source>Entry</source>
        <translation>입구</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Exit</source>
        <translation>출구</translation>
    </message>
</context>
<context>
    <name>LatestPassesPanel</name>
    <message>
        <location filename="../../gatekeeper/ui/latest_passes.py" line="+37"/>
        <source>Latest passes</source>
        <translation>최근 통과 차량</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>No vehicle has passed yet.</source>
        <translation>아직 통과한 차량이 없습니다.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../gatekeeper/ui/main_window.py" line="+99"/>
        <source>Gatekeeper — gate log</source>
        <extracomment>() -&gt; Models (runs in the model-loader thread). (camera, models, progress) -&gt; (source, pipeline) (runs in the camera&apos;s worker thread). (plate_pass, camera, models) -&gt; PassRecord (runs in the camera&apos;s worker thread). n -&gt; newest passes first (GUI thread, at start). relative evidence path -&gt; absolute file. called once before settings are saved (keeps a copy of a broken settings file).</extracomment>
        <translation>Gatekeeper — 출입 기록</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Live</source>
        <translation>실시간</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Entries log</source>
        <translation>출입 기록</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Vehicles</source>
        <translation>등록 차량</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Settings…</source>
        <translation>설정…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Open gate</source>
        <translation>차단기 열기</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open the gate by hand (logged as an operator action)</source>
        <translation>차단기를 수동으로 엽니다 (근무자 조치로 기록됨)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Quit</source>
        <translation>종료</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+292"/>
        <source>About Gatekeeper</source>
        <translation>Gatekeeper 정보</translation>
    </message>
    <message>
        <location line="-289"/>
        <source>&amp;File</source>
        <translation>파일(&amp;F)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Gate</source>
        <translation>출입문(&amp;G)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Help</source>
        <translation>도움말(&amp;H)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Main toolbar</source>
        <translation>기본 도구 모음</translation>
    </message>
    <message>
        <location line="+21"/>
        <location line="+48"/>
        <source>Loading models…</source>
        <translation>모델을 불러오는 중…</translation>
    </message>
    <message>
        <location line="-38"/>
        <source>Latest passes could not be loaded: %1</source>
        <translation>최근 통과 기록을 불러오지 못했습니다: %1</translation>
    </message>
    <message>
        <location line="+67"/>
        <source>New models in use: %1</source>
        <translation>새 모델 사용 중: %1</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Models could not be loaded:
%1</source>
        <translation>모델을 불러오지 못했습니다:
%1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Models not loaded</source>
        <translation>모델을 불러오지 못했습니다</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The recognition models could not be loaded. Cameras stay off.

%1</source>
        <translation>인식 모델을 불러오지 못했습니다. 카메라는 꺼진 상태로 유지됩니다.

%1</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Preparing the demo camera…</source>
        <translation>데모 카메라를 준비하는 중…</translation>
    </message>
    <message>
        <location line="+57"/>
        <source>Reconnecting…</source>
        <translation>다시 연결하는 중…</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>%1 Gate opened by the operator (logged; no gate controller is connected)</source>
        <translation>%1 근무자가 차단기를 열었습니다 (기록됨, 연결된 차단기 제어 장치 없음)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The settings dialog is not available in this build.</source>
        <translation>이 빌드에서는 설정 창을 사용할 수 없습니다.</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Settings not saved</source>
        <translation>설정이 저장되지 않았습니다</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Settings saved.</source>
        <translation>설정을 저장했습니다.</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Demo mode: the new settings apply to this session only.</source>
        <translation>데모 모드: 새 설정은 이번 실행에만 적용됩니다.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The settings file could not be read, so the default settings are in use. The file was not changed; fix it or save new settings from the Settings dialog.</source>
        <translation>설정 파일을 읽을 수 없어 기본 설정을 사용합니다. 파일은 변경되지 않았습니다. 파일을 고치거나 설정 창에서 새 설정을 저장하세요.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Settings not loaded</source>
        <translation>설정을 불러오지 못했습니다</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Demo mode: the built-in demo camera replaces the configured cameras; settings are not saved.</source>
        <translation>데모 모드: 설정된 카메라 대신 내장 데모 카메라를 사용하며, 설정은 저장되지 않습니다.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Gatekeeper %1
Offline licence-plate recognition and gate log.</source>
        <translation>Gatekeeper %1
오프라인 차량 번호 인식 및 출입 기록 프로그램.</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Database problem</source>
        <translation>데이터베이스 문제</translation>
    </message>
</context>
<context>
    <name>PassCard</name>
    <message>
        <location filename="../../gatekeeper/ui/pass_card.py" line="+27"/>
        <source>Registered</source>
        <translation>등록 차량</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Visitor</source>
        <translation>방문 차량</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Unknown</source>
        <translation>미등록</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Denied</source>
        <translation>출입 금지</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Entry</source>
        <translation>입구</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Exit</source>
        <translation>출구</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Click to see the full evidence frame</source>
        <translation>클릭하면 전체 증거 화면을 봅니다</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>no image</source>
        <translation>이미지 없음</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>%1 (%2) · %3</source>
        <translation>%1 (%2) · %3</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1% sure</source>
        <translation>신뢰도 %1%</translation>
    </message>
</context>
<context>
    <name>PlateEdit</name>
    <message>
        <location filename="../../gatekeeper/ui/plate_edit.py" line="+42"/>
        <source>e.g. 12가3456, 서울12가3456 or AB12CDE</source>
        <translation>예: 12가3456, 서울12가3456, AB12CDE</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Enter the plate number.</source>
        <translation>차량 번호를 입력하세요.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Valid plate: %1 (%2)</source>
        <translation>올바른 번호판: %1 (%2)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Not a valid plate number. Korean plates look like 12가3456, 123가4567 or 서울12가3456; Latin plates use 2-10 letters and digits with at least one digit.</source>
        <translation>올바른 차량 번호가 아닙니다. 한국 번호판은 12가3456, 123가4567, 서울12가3456 형식이고, 외국(라틴 문자) 번호판은 숫자가 하나 이상 들어간 2~10자의 영문자와 숫자입니다.</translation>
    </message>
</context>
<context>
    <name>PlateFormat</name>
    <message>
        <location line="-64"/>
        <source>Korean private</source>
        <translation>한국 비사업용</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Korean regional (old)</source>
        <translation>한국 지역 표기 (구형)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Korean commercial</source>
        <translation>한국 사업용</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Korean rental</source>
        <translation>한국 대여 사업용</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Korean diplomatic</source>
        <translation>한국 외교용</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Korean temporary</source>
        <translation>한국 임시 번호판</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Latin</source>
        <translation>라틴 문자</translation>
    </message>
</context>
<context>
    <name>RetrainDialog</name>
    <message>
        <location filename="../../gatekeeper/ui/retrain_dialog.py" line="+89"/>
        <source>Retrain on this site&apos;s labels</source>
        <translation>이 현장의 라벨로 재학습</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Korean plate reader</source>
        <translation>한글 번호 인식 모델</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Latin plate reader</source>
        <translation>라틴 문자 번호 인식 모델</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Plate detector</source>
        <translation>번호판 검출 모델</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Start</source>
        <translation>시작</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Close</source>
        <translation>닫기</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Model</source>
        <translation>모델</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Epochs</source>
        <translation>에포크</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Steps</source>
        <translation>단계</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Training… the cameras keep running.</source>
        <translation>학습 중… 카메라는 계속 작동합니다.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Cancelling…</source>
        <translation>취소하는 중…</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>The training program could not be started.</source>
        <translation>학습 프로그램을 시작할 수 없습니다.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Cancelled; the current model stays in use.</source>
        <translation>취소했습니다. 현재 모델을 계속 사용합니다.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Training failed (exit code %1); see the log. The current model stays in use.</source>
        <translation>학습에 실패했습니다 (종료 코드 %1). 로그를 확인하세요. 현재 모델을 계속 사용합니다.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>New model %1 activated: %2</source>
        <translation>새 모델 %1 적용: %2</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Model %1 was not better and is kept as a rejected candidate: %2</source>
        <translation>모델 %1은(는) 더 낫지 않아 채택하지 않은 후보로 보관합니다: %2</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../gatekeeper/ui/settings_dialog.py" line="+61"/>
        <source>Settings</source>
        <translation>설정</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Cameras</source>
        <translation>카메라</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Recognition</source>
        <translation>인식</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>System</source>
        <translation>시스템</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Retraining</source>
        <translation>재학습</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Korean text needs the Nanum fonts (Debian/Ubuntu package fonts-nanum).</source>
        <translation>한글을 표시하려면 나눔 글꼴이 필요합니다 (Debian/Ubuntu 패키지 fonts-nanum).</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Save</source>
        <translation>저장</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Add camera</source>
        <translation>카메라 추가</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Up to four cameras. A source is a USB camera, a network stream, a video file or the built-in demo.</source>
        <translation>카메라는 최대 4대입니다. 영상 소스는 USB 카메라, 네트워크 스트림, 동영상 파일 또는 내장 데모입니다.</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+104"/>
        <location line="+37"/>
        <location line="+24"/>
        <source>Camera %1</source>
        <translation>카메라 %1</translation>
    </message>
    <message>
        <location line="-153"/>
        <source>Skip frames without motion</source>
        <translation>움직임이 없는 프레임 건너뛰기</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Also read Latin (non-Korean) plates</source>
        <translation>외국(라틴 문자) 번호판도 인식</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Gatekeeper Latin network</source>
        <translation>Gatekeeper 라틴 문자 신경망</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>EasyOCR English (generic)</source>
        <translation>EasyOCR 영어 (범용)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Detector confidence</source>
        <translation>검출 신뢰도</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Detector overlap (IoU)</source>
        <translation>검출 겹침 기준 (IoU)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Detector image size</source>
        <translation>검출 이미지 크기</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Reader minimum confidence</source>
        <translation>인식 최소 신뢰도</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Re-check reads below</source>
        <translation>다시 확인할 신뢰도 기준</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Latin plate reader</source>
        <translation>라틴 문자 번호판 판독기</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Frames needed per vehicle</source>
        <translation>차량당 필요한 프레임 수</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Vehicle lost after (s)</source>
        <translation>차량 추적 종료 시간 (초)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ignore the same plate again for (s)</source>
        <translation>같은 번호판 중복 무시 시간 (초)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Default folder</source>
        <translation>기본 폴더</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Browse…</source>
        <translation>찾아보기…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Automatic</source>
        <translation>자동</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>NVIDIA GPU (CUDA)</source>
        <translation>NVIDIA GPU (CUDA)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>System language</source>
        <translation>시스템 언어</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Data folder</source>
        <translation>데이터 폴더</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Processing device</source>
        <translation>처리 장치</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Language</source>
        <translation>언어</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Language and data folder changes apply after a restart.</source>
        <translation>언어와 데이터 폴더 변경은 다시 시작한 뒤 적용됩니다.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Start retraining automatically</source>
        <translation>재학습 자동 시작</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>:00</source>
        <translation>시</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>New labels before retraining</source>
        <translation>재학습에 필요한 새 라벨 수</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Quiet hour (retraining runs then)</source>
        <translation>한가한 시간 (이때 재학습 실행)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ask for labels below confidence</source>
        <translation>이 신뢰도 미만이면 라벨 요청</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>Choose the data folder</source>
        <translation>데이터 폴더 선택</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>the name is already used by another camera</source>
        <translation>다른 카메라가 이미 쓰는 이름입니다</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>name</source>
        <translation>이름</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>source</source>
        <translation>영상 소스</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>data folder</source>
        <translation>데이터 폴더</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>settings</source>
        <translation>설정</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>must not be empty</source>
        <translation>비워 둘 수 없습니다</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>is too long (at most %1 characters)</source>
        <translation>너무 깁니다 (최대 %1자)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>must be at least %1</source>
        <translation>%1 이상이어야 합니다</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>must be at most %1</source>
        <translation>%1 이하여야 합니다</translation>
    </message>
</context>
<context>
    <name>VehicleCategory</name>
    <message>
        <location filename="../../gatekeeper/ui/vehicle_dialog.py" line="+29"/>
        <source>Resident</source>
        <translation>입주민</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Staff</source>
        <translation>직원</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Visitor</source>
        <translation>방문 차량</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Denied</source>
        <translation>출입 금지</translation>
    </message>
</context>
<context>
    <name>VehicleDialog</name>
    <message>
        <location line="+35"/>
        <source>Edit vehicle</source>
        <translation>차량 수정</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Add vehicle</source>
        <translation>차량 등록</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>e.g. 101-1203 or company name</source>
        <translation>예: 101-1203 또는 회사 이름</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Plate</source>
        <translation>번호판</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Owner</source>
        <translation>소유자</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Unit or company</source>
        <translation>동·호수 또는 회사</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Phone</source>
        <translation>전화번호</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Category</source>
        <translation>구분</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Valid from</source>
        <translation>유효 시작</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Valid until</source>
        <translation>유효 종료</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Notes</source>
        <translation>메모</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Save</source>
        <translation>저장</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>The visit must end after it starts.</source>
        <translation>방문 종료 시각은 시작 시각보다 뒤여야 합니다.</translation>
    </message>
</context>
<context>
    <name>VehiclesModel</name>
    <message>
        <location filename="../../gatekeeper/ui/vehicles_model.py" line="+30"/>
        <source>Plate</source>
        <translation>번호판</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Owner</source>
        <translation>소유자</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Unit or company</source>
        <translation>동·호수 또는 회사</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Phone</source>
        <translation>전화번호</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Category</source>
        <translation>구분</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Valid</source>
        <translation>유효 기간</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Notes</source>
        <translation>메모</translation>
    </message>
</context>
<context>
    <name>VehiclesTab</name>
    <message>
        <location filename="../../gatekeeper/ui/vehicles_tab.py" line="+43"/>
        <source>Search plate, owner, unit or phone…</source>
        <translation>번호판, 소유자, 동·호수, 전화번호 검색…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Add…</source>
        <translation>등록…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Edit…</source>
        <translation>수정…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete</source>
        <translation>삭제</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Import CSV…</source>
        <translation>CSV 가져오기…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export CSV…</source>
        <translation>CSV 내보내기…</translation>
    </message>
    <message>
        <location line="+82"/>
        <source>Saved %1.</source>
        <translation>%1을(를) 저장했습니다.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Delete vehicle</source>
        <translation>차량 삭제</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete %1 (%2) from the registry?</source>
        <translation>%1 (%2) 차량을 등록 목록에서 삭제할까요?</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Vehicle not deleted</source>
        <translation>차량을 삭제하지 못했습니다</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Deleted %1.</source>
        <translation>%1을(를) 삭제했습니다.</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Import vehicles</source>
        <translation>차량 가져오기</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CSV files (*.csv);;All files (*)</source>
        <translation>CSV 파일 (*.csv);;모든 파일 (*)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Import failed</source>
        <translation>가져오기 실패</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Imported %1 vehicles (%2 new, %3 updated); %4 rows had problems.</source>
        <translation>차량 %1대를 가져왔습니다 (신규 %2, 갱신 %3). 문제가 있는 행: %4개.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Line %1: %2</source>
        <translation>%1행: %2</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Export vehicles</source>
        <translation>차량 내보내기</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 파일 (*.csv)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Export failed</source>
        <translation>내보내기 실패</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Exported %1 vehicles to %2</source>
        <translation>차량 %1대를 %2(으)로 내보냈습니다</translation>
    </message>
</context>
</TS>
